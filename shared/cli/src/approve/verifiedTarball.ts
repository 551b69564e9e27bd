import { inspectTarball, readTarball, RejectedBySource, sha512Sri, SumgateError } from '@sumgate/core';
import type { Gate, InstallCode, LoggedRecord } from '@sumgate/core';

/** The install-time code of one version, read from tarball bytes proven to be the logged ones. */
export interface InstalledCodeView {
  readonly name: string;
  readonly version: string;
  readonly source: string;
  readonly leaf: number;
  readonly installCode: InstallCode;
  /** Contents of the files the hooks run (path relative to the package root). */
  readonly contents: Map<string, Uint8Array>;
}

/**
 * Downloads a version through the policy's sources and shows nothing unless its sha512 is the one
 * the log recorded (a source serving other bytes is passed over), and its install-code
 * fingerprint is the logged one.
 */
export async function fetchLoggedCode(gate: Gate, logged: LoggedRecord): Promise<InstalledCodeView> {
  const { name, version, integrity } = logged.record;
  const pkg = `${name}@${version}`;
  const fetched = await gate.sources.fetchTarball({ name, version }, (bytes, source) => {
    const got = sha512Sri(bytes);
    if (got !== integrity)
      throw new RejectedBySource(`served ${got}, the log has ${integrity}`, { source: source.name });
    return bytes;
  });
  const { installCode } = inspectTarball(fetched.value);
  if (installCode.fingerprint !== logged.record.installCode.fingerprint) {
    throw new SumgateError(
      'LOG_MISMATCH',
      `${pkg}: install-time code fingerprint ${installCode.fingerprint} from the tarball differs from the log's ${logged.record.installCode.fingerprint}`,
      {
        pkg,
        fix: 'the log and this client disagree on the install-code rules: upgrade sumgate or the log, then retry',
      },
    );
  }
  const wanted = new Set(installCode.files.map((f) => f.path));
  const contents = readTarball(fetched.value, (p) => wanted.has(p));
  return { name, version, source: fetched.source.name, leaf: logged.index, installCode, contents };
}
