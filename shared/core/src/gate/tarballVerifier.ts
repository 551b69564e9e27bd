import { SumgateError } from '../errors.js';
import { inspectTarballAsync } from '../inspect/installCode.js';
import type { Policy } from '../policy/policy.js';
import { RejectedBySource } from '../sources/sources.js';
import type { Fetched, SourceFailure, Sources } from '../sources/sources.js';
import { sha512Sri } from '../sri.js';
import type { InstallCodeSummary } from '../verdict/verdict.js';
import type { PackageKey } from './recordProver.js';

export interface DownloadedTarball {
  readonly fetched: Fetched<{ bytes: Buffer; integrity: string }>;
  readonly installCode: InstallCodeSummary;
}

/**
 * Downloads a tarball from the routed sources and checks it before anything else sees it: a source
 * whose bytes do not have the expected sha512 is passed over; then the install-time code is read
 * from the tarball's own package.json (not the registry's metadata).
 */
export class TarballVerifier {
  constructor(
    private readonly policy: Policy,
    private readonly sources: Sources,
  ) {}

  async download(
    p: PackageKey & { readonly tarballUrl?: string | undefined },
    expected: string | undefined,
  ): Promise<DownloadedTarball> {
    const fetched = await this.sources
      .fetchTarball(p, (bytes, source) => {
        const got = sha512Sri(bytes);
        if (expected?.startsWith('sha512-') && got !== expected) {
          throw new RejectedBySource(`served ${got}, expected ${expected}`, {
            expected,
            got,
            source: source.name,
          });
        }
        return { bytes, integrity: got };
      })
      .catch((e: unknown) => {
        throw this.explainSourceFailure(p, e, expected);
      });
    const { installCode } = await inspectTarballAsync(fetched.value.bytes, { pkg: `${p.name}@${p.version}` });
    return {
      fetched,
      installCode: {
        fingerprint: installCode.fingerprint,
        hooks: installCode.hooks.map((h) => h.hook),
        v1: installCode.v1,
      },
    };
  }

  private explainSourceFailure(p: PackageKey, e: unknown, expected: string | undefined): unknown {
    if (!(e instanceof SumgateError) || e.code !== 'SOURCE_FAILED') return e;
    const failures = (e.data.failures ?? []) as SourceFailure[];
    const tampered = failures.filter((f) => f.rejected?.got !== undefined);
    if (tampered.length === 0) return e;
    const pkg = `${p.name}@${p.version}`;
    return new SumgateError(
      'INTEGRITY_MISMATCH',
      `${pkg}: no source served the logged bytes (${expected}); ${failures.map((f) => `${f.source} ${f.reason}`).join('; ')}`,
      {
        pkg,
        fix: `source(s) ${tampered.map((f) => `"${f.source}"`).join(', ')} serve tampered bytes: remove them from "sources" in ${this.policy.file ?? 'sumgate.jsonc'} or add an honest mirror`,
        data: { expected, failures },
      },
    );
  }
}
