import { Gate } from '@sumgate/core';
import type { Verdict } from '@sumgate/core';
import { Cache, MessageName } from '@yarnpkg/core';
import type { LocatorHash, Project, Report } from '@yarnpkg/core';
import { npath } from '@yarnpkg/fslib';
import { npmConfigUtils } from '@yarnpkg/plugin-npm';
import { ArchiveBindings } from './archiveBinding.js';
import { isNpmRegistryLocator, packageRefOf } from './npmLocator.js';
import { policyFileOf } from './settings.js';

/** An archive proven in this process: its zip hash, the tarball SRI it came from, the verdict. */
export interface VerifiedArchive {
  readonly hash: string;
  readonly integrity: string;
  readonly verdict: Verdict;
}

/**
 * What sumgate knows during one Yarn command on one project: the gate (policy read once), the
 * lockfile's verdicts from before resolution, the archives verified so far (Yarn fetches every
 * package twice: fetch step and link step), and where each download came from.
 */
export class SumgateSession {
  readonly bindings: ArchiveBindings;
  /** Yarn's current cache key (`10c0`), for packages whose lockfile entry has no checksum. */
  readonly cacheKey: string;
  /** Verdicts of the packages the lockfile held before resolution, by locator hash. */
  readonly locked = new Map<LocatorHash, Verdict>();
  readonly verified = new Map<LocatorHash, VerifiedArchive>();
  /** `name@version` of every package refused in this process, for the script guard. */
  readonly refused = new Set<string>();
  /** Downloaded and verified in this process, by source name. */
  readonly downloads = new Map<string, number>();
  /** Exempt packages fetched by Yarn itself in this process (`name@version`). */
  private readonly exempt = new Set<string>();
  private resolvedProof: Promise<void> | undefined;
  private sink: ((line: string) => void) | undefined;
  private readonly pending: string[] = [];

  constructor(
    readonly gate: Gate,
    project: Project,
  ) {
    this.bindings = new ArchiveBindings(gate.cacheDir);
    this.cacheKey = Cache.getCacheKey(project.configuration).cacheKey;
  }

  /** Routes the gate's progress lines to Yarn's report of the current step (lines said before it are replayed). */
  attach(report: Pick<Report, 'reportInfo'>): void {
    this.sink = (line) => report.reportInfo(MessageName.UNNAMED, line);
    for (const line of this.pending.splice(0)) this.sink(line);
  }

  /** Like attach, for the validation step, whose report only has warnings and errors. */
  withSink<T>(sink: (line: string) => void, fn: () => Promise<T>): Promise<T> {
    const previous = this.sink;
    this.sink = sink;
    return fn().finally(() => {
      this.sink = previous;
    });
  }

  /**
   * Proves every npm package of the resolved project in the log in one batch, once per command,
   * before the first download: Yarn fetches in parallel, and one lookup per package would cost a
   * round trip (and a checkpoint update) each. Verdicts are not taken from here: each package is
   * still decided by the fetcher from its downloaded bytes or its bound archive.
   */
  proveResolved(project: Project): Promise<void> {
    this.resolvedProof ??= (async () => {
      const refs = [];
      for (const pkg of project.storedPackages.values()) {
        if (!isNpmRegistryLocator(pkg) || this.locked.has(pkg.locatorHash)) continue;
        const ref = packageRefOf(pkg);
        if (!this.gate.isExempt(ref.name)) refs.push(ref);
      }
      if (refs.length > 0) await this.gate.verifyLocked(refs);
    })();
    return this.resolvedProof;
  }

  /** Keeps a line for the next report attached. */
  defer(line: string): void {
    this.pending.push(line);
  }

  say(line: string): void {
    if (this.sink === undefined) this.pending.push(line);
    else this.sink(line);
  }

  /** One line per verified download, naming its source and log leaf. */
  recordDownload(pkg: string, v: { source: string; verdict: Verdict }): void {
    this.downloads.set(v.source, (this.downloads.get(v.source) ?? 0) + 1);
    const leaf = v.verdict.logIndex === undefined ? '' : ` (log leaf ${v.verdict.logIndex})`;
    this.say(`sumgate: ${v.verdict.decision} ${pkg} from ${v.source}${leaf}`);
  }

  noteExempt(pkg: string): void {
    if (this.exempt.has(pkg)) return;
    this.exempt.add(pkg);
    this.say(
      `sumgate: exempt ${pkg}: not in the log by policy, fetched by Yarn from its own registry settings`,
    );
  }

  get exemptCount(): number {
    return this.exempt.size;
  }
}

const sessions = new WeakMap<Project, SumgateSession>();

/** The session if this command already opened one (never reads the policy). */
export function existingSession(project: Project): SumgateSession | undefined {
  return sessions.get(project);
}

/**
 * The session of a project, opening the gate on first use: reads and validates the policy (from
 * the `sumgatePolicy` setting, default the project root's sumgate.jsonc). A bad policy throws a
 * SumgateError every time it is asked for, so nothing is fetched without one.
 */
export function sessionFor(project: Project): SumgateSession {
  let session = sessions.get(project);
  if (session === undefined) {
    const configuration = project.configuration;
    let say: (line: string) => void = () => {};
    const gate = Gate.open({
      cwd: npath.fromPortablePath(project.cwd),
      host: 'yarn',
      defaultRegistry: npmConfigUtils.getDefaultRegistry({ configuration }),
      policyFile: policyFileOf(configuration),
      env: process.env,
      log: (line) => say(line),
    });
    const created = new SumgateSession(gate, project);
    say = (line) => created.say(line);
    session = created;
    sessions.set(project, session);
  }
  return session;
}
