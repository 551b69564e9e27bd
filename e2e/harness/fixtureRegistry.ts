/**
 * A real npm registry on 127.0.0.1 for fixture packages defined in code. It speaks the registry's
 * read API the way pnpm and Yarn use it:
 * - packuments at `/<name>`, `/@scope%2fname` and `/@scope/name`, full (`application/json`) or
 *   abbreviated ("corgi", `application/vnd.npm.install-v1+json`) by the request's Accept header
 *   (npm registry-api "Package Metadata" and "Abbreviated metadata format");
 * - tarballs at `/<name>/-/<basename>-<version>.tgz`, the path npm publishes them under.
 * Every request is recorded so tests can assert "no tarball was requested" and "credentials went
 * only to this source". A mirror started with {@link startMirror} shares an upstream's packages and
 * can serve tampered bytes under the upstream's honest integrity, or hide versions from its packuments.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { packTarball, shasum, sri } from './tarball.js';

export interface FixtureVersion {
  readonly version: string;
  /** Merged over `{name, version}` to make the tarball's package.json. */
  readonly packageJson?: Record<string, unknown>;
  /** Extra files in the tarball (path under `package/` -> contents). A `package.json` here replaces the generated one verbatim. */
  readonly files?: Record<string, string | Uint8Array>;
  /** ISO time of publication; default 30 days ago (older than every built-in release-age gate). */
  readonly publishedAt?: string;
  /**
   * Fields forced into this version's packument object after it is built from the tarball's
   * package.json, e.g. `{scripts: {}}` for manifest confusion. A field set to `undefined` is removed.
   * `hasInstallScript` here overrides the computed one in abbreviated documents.
   */
  readonly metadataOverride?: Record<string, unknown>;
}

export interface FixturePackage {
  readonly name: string;
  readonly versions: readonly FixtureVersion[];
  /** Default: `{latest: <last version listed>}`. */
  readonly distTags?: Record<string, string>;
}

/** What the served bytes of a version are: honest, or a replacement (true = a default tampered tarball). */
export type TamperRule = (name: string, version: string) => boolean | Uint8Array;

export interface FixtureRegistryOptions {
  readonly packages: readonly FixturePackage[];
  /** Serve other bytes for matching versions while the metadata keeps the honest integrity. */
  readonly tamper?: TamperRule;
  /** Base URL (ending in `/`) that `dist.tarball` points at instead of this server, e.g. an upstream's `url`. */
  readonly tarballHost?: string;
}

export interface RecordedRequest {
  readonly method: string;
  /** Raw request path with query, as sent. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly hasAuthorization: boolean;
  readonly kind: 'packument' | 'tarball' | 'other';
  /** HTTP status this server answered with. */
  readonly status: number;
}

export interface FixtureRegistry {
  /** Base URL, ends with `/`. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Paths of every tarball request (any status), in order. */
  tarballRequests(): string[];
  /** Paths of every packument request (any status), in order. */
  packumentRequests(): string[];
  addPackage(p: FixturePackage): void;
  addVersion(name: string, v: FixtureVersion): void;
  /** Honest `dist.integrity` (what the metadata of this and every mirror says). */
  integrityOf(name: string, version: string): string;
  /** Honest tarball bytes. */
  tarballOf(name: string, version: string): Buffer;
  /** Bytes this server actually serves for the version (differ from tarballOf when tampered). */
  servedTarballOf(name: string, version: string): Buffer;
  /** sha512 SRI of servedTarballOf. */
  servedIntegrityOf(name: string, version: string): string;
  /** Canonical tarball URL as it appears in this server's metadata. */
  tarballUrlOf(name: string, version: string): string;
  /** Forget recorded requests. */
  clearRequests(): void;
  close(): Promise<void>;
}

interface VersionEntry {
  readonly version: string;
  readonly fixture: FixtureVersion;
  readonly files: Record<string, string | Uint8Array>;
  readonly manifest: Record<string, unknown>;
  readonly tarball: Buffer;
  readonly integrity: string;
  readonly shasum: string;
  readonly publishedAt: string;
}

interface PackageEntry {
  readonly name: string;
  readonly versions: Map<string, VersionEntry>;
  distTags: Record<string, string> | undefined;
}

const THIRTY_DAYS_MS = 30 * 24 * 60 * 60 * 1000;
const EIGHT_DAYS_MS = 8 * 24 * 60 * 60 * 1000;
/** Default times stay older than 30 days for this many versions per registry. */
const MAX_DEFAULT_VERSIONS = 2000;
const CORGI = 'application/vnd.npm.install-v1+json';
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'] as const;

/** Packages shared by a registry and its mirrors. */
class FixtureStore {
  readonly packages = new Map<string, PackageEntry>();
  private readonly baseTime = Date.now() - THIRTY_DAYS_MS;

  addPackage(p: FixturePackage): void {
    if (this.packages.has(p.name)) throw new Error(`fixture registry: ${p.name} already exists`);
    validateName(p.name);
    this.packages.set(p.name, { name: p.name, versions: new Map(), distTags: p.distTags });
    for (const v of p.versions) this.addVersion(p.name, v);
  }

  addVersion(name: string, v: FixtureVersion): void {
    const pkg = this.packages.get(name);
    if (pkg === undefined) throw new Error(`fixture registry: unknown package ${name}`);
    if (pkg.versions.has(v.version)) throw new Error(`fixture registry: ${name}@${v.version} already exists`);
    const generated = `${JSON.stringify({ name, version: v.version, ...v.packageJson }, null, 2)}\n`;
    const files: Record<string, string | Uint8Array> = { 'package.json': generated, ...v.files };
    const rawManifest = files['package.json'];
    const manifest = JSON.parse(
      typeof rawManifest === 'string' ? rawManifest : Buffer.from(rawManifest ?? '{}').toString('utf8'),
    ) as Record<string, unknown>;
    const tarball = packTarball(files);
    // Default publish times keep the listed order, 8 days apart (more than sumgate's 7-day install-code
    // baseline), all more than 30 days back.
    const publishedAt =
      v.publishedAt ??
      new Date(this.baseTime - (MAX_DEFAULT_VERSIONS - this.countVersions()) * EIGHT_DAYS_MS).toISOString();
    pkg.versions.set(v.version, {
      version: v.version,
      fixture: v,
      files,
      manifest,
      tarball,
      integrity: sri(tarball),
      shasum: shasum(tarball),
      publishedAt,
    });
  }

  get(name: string, version: string): VersionEntry {
    const entry = this.packages.get(name)?.versions.get(version);
    if (entry === undefined) throw new Error(`fixture registry: unknown ${name}@${version}`);
    return entry;
  }

  private countVersions(): number {
    let n = 0;
    for (const p of this.packages.values()) n += p.versions.size;
    return n;
  }
}

/** Starts a fixture registry with its own packages. */
export async function startFixtureRegistry(opts: FixtureRegistryOptions): Promise<FixtureRegistry> {
  const store = new FixtureStore();
  for (const p of opts.packages) store.addPackage(p);
  return serve(store, opts.tamper, opts.tarballHost);
}

export interface MirrorOptions {
  /** Which versions get other bytes; default: none (an honest mirror). */
  readonly tamper?: TamperRule;
  /** Where `dist.tarball` points; default: the mirror itself. */
  readonly tarballHost?: string;
  /** Versions left out of this mirror's packuments (their `versions`, `time` and dist-tags); default: none. */
  readonly hide?: (name: string, version: string) => boolean;
}

/** A registry on another port serving the same packages (and honest integrity) as `upstream`. */
export async function startMirror(
  upstream: FixtureRegistry,
  opts: MirrorOptions = {},
): Promise<FixtureRegistry> {
  const store = stores.get(upstream);
  if (store === undefined) throw new Error('startMirror: upstream is not a fixture registry');
  return serve(store, opts.tamper, opts.tarballHost, opts.hide);
}

/**
 * A mirror whose metadata is the upstream's (honest integrity, tarball URLs on the mirror) but
 * whose tarball bytes are corrupted, for every version or those `which` selects.
 */
export async function startTamperingMirror(
  upstream: FixtureRegistry,
  which: (name: string, version: string) => boolean = () => true,
): Promise<FixtureRegistry> {
  return startMirror(upstream, { tamper: which });
}

const stores = new WeakMap<FixtureRegistry, FixtureStore>();

async function serve(
  store: FixtureStore,
  tamper: TamperRule | undefined,
  tarballHost: string | undefined,
  hide: ((name: string, version: string) => boolean) | undefined = undefined,
): Promise<FixtureRegistry> {
  const requests: RecordedRequest[] = [];
  let url = '';
  const tarballBase = (): string => withSlash(tarballHost ?? url);

  const served = (name: string, version: string): Buffer => {
    const entry = store.get(name, version);
    const rule = tamper?.(name, version) ?? false;
    if (rule === false) return entry.tarball;
    if (rule === true) return tamperedTarball(entry);
    return Buffer.from(rule);
  };

  const server: Server = createServer((req, res) => {
    const recordAs = (kind: RecordedRequest['kind'], status: number): void => {
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        hasAuthorization: req.headers.authorization !== undefined,
        kind,
        status,
      });
    };
    try {
      handle(req, res, store, tarballBase(), served, recordAs, hide);
    } catch (err) {
      recordAs('other', 500);
      sendJson(res, req, 500, { error: String(err) });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  const registry: FixtureRegistry = {
    url,
    requests,
    tarballRequests: () => requests.filter((r) => r.kind === 'tarball').map((r) => r.path),
    packumentRequests: () => requests.filter((r) => r.kind === 'packument').map((r) => r.path),
    addPackage: (p) => store.addPackage(p),
    addVersion: (name, v) => store.addVersion(name, v),
    integrityOf: (name, version) => store.get(name, version).integrity,
    tarballOf: (name, version) => store.get(name, version).tarball,
    servedTarballOf: served,
    servedIntegrityOf: (name, version) => sri(served(name, version)),
    tarballUrlOf: (name, version) => tarballUrl(tarballBase(), name, version),
    clearRequests: () => {
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  stores.set(registry, store);
  return registry;
}

function handle(
  req: IncomingMessage,
  res: ServerResponse,
  store: FixtureStore,
  tarballBase: string,
  served: (name: string, version: string) => Buffer,
  recordAs: (kind: RecordedRequest['kind'], status: number) => void,
  hide: ((name: string, version: string) => boolean) | undefined,
): void {
  const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    recordAs('other', 400);
    sendJson(res, req, 400, { error: 'bad request' });
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    recordAs('other', 405);
    sendJson(res, req, 405, { error: 'method not allowed' });
    return;
  }

  const tarballMatch = /^\/((?:@[^/]+\/)?[^/@][^/]*)\/-\/([^/]+\.tgz)$/.exec(decoded);
  if (tarballMatch !== null) {
    const [, name = '', file = ''] = tarballMatch;
    const pkg = store.packages.get(name);
    const entry =
      pkg === undefined
        ? undefined
        : [...pkg.versions.values()].find((v) => tarballFileName(name, v.version) === file);
    if (entry === undefined) {
      recordAs('tarball', 404);
      sendJson(res, req, 404, { error: 'Not found' });
      return;
    }
    const bytes = served(name, entry.version);
    recordAs('tarball', 200);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
    res.end(req.method === 'HEAD' ? undefined : bytes);
    return;
  }

  const name = decoded.slice(1);
  const stored = store.packages.get(name);
  const pkg = stored === undefined || hide === undefined ? stored : visibleOnly(stored, hide);
  if (pkg === undefined) {
    recordAs(name.startsWith('-/') ? 'other' : 'packument', 404);
    sendJson(res, req, 404, { error: 'Not found' });
    return;
  }
  const abbreviated = (req.headers.accept ?? '').includes(CORGI);
  recordAs('packument', 200);
  const doc = abbreviated ? abbreviatedPackument(pkg, tarballBase) : fullPackument(pkg, tarballBase);
  sendJson(res, req, 200, doc, abbreviated ? CORGI : 'application/json');
}

/** A package as a mirror that hides some versions shows it: without them, and without tags naming them. */
function visibleOnly(pkg: PackageEntry, hide: (name: string, version: string) => boolean): PackageEntry {
  const versions = new Map([...pkg.versions].filter(([v]) => !hide(pkg.name, v)));
  const tags = pkg.distTags ?? distTags(pkg);
  return {
    name: pkg.name,
    versions,
    distTags: Object.fromEntries(Object.entries(tags).filter(([, v]) => versions.has(v))),
  };
}

/** The full document (registry-api "Package Metadata"): every manifest field, `time`, `_id`. */
function fullPackument(pkg: PackageEntry, tarballBase: string): Record<string, unknown> {
  const versions: Record<string, unknown> = {};
  const time: Record<string, string> = {};
  for (const v of pkg.versions.values()) {
    versions[v.version] = versionDocument(pkg.name, v, tarballBase);
    time[v.version] = v.publishedAt;
  }
  const times = Object.values(time).sort();
  return {
    _id: pkg.name,
    name: pkg.name,
    'dist-tags': distTags(pkg),
    versions,
    time: { created: times[0], modified: times[times.length - 1], ...time },
  };
}

/**
 * The abbreviated "corgi" document (npm registry-api responses/package-metadata.md): only the
 * install-relevant fields, `modified`, and `hasInstallScript` instead of `scripts`. Like the
 * public registry it has no `time` map, so release-age gates fall back to the full document.
 */
function abbreviatedPackument(pkg: PackageEntry, tarballBase: string): Record<string, unknown> {
  const versions: Record<string, unknown> = {};
  let modified = '';
  for (const v of pkg.versions.values()) {
    const full = versionDocument(pkg.name, v, tarballBase);
    const abbreviated: Record<string, unknown> = {};
    for (const key of CORGI_VERSION_FIELDS) if (full[key] !== undefined) abbreviated[key] = full[key];
    const override = v.fixture.metadataOverride ?? {};
    const hasInstallScript =
      'hasInstallScript' in override
        ? override.hasInstallScript
        : hasInstallScripts(full.scripts) ||
          ('binding.gyp' in v.files && !('scripts' in override)) ||
          undefined;
    if (hasInstallScript !== undefined) abbreviated.hasInstallScript = hasInstallScript;
    versions[v.version] = abbreviated;
    if (v.publishedAt > modified) modified = v.publishedAt;
  }
  return { name: pkg.name, modified, 'dist-tags': distTags(pkg), versions };
}

const CORGI_VERSION_FIELDS = [
  'name',
  'version',
  'deprecated',
  'dependencies',
  'optionalDependencies',
  'devDependencies',
  'bundleDependencies',
  'peerDependencies',
  'peerDependenciesMeta',
  'bin',
  'directories',
  'engines',
  'os',
  'cpu',
  'libc',
  '_hasShrinkwrap',
  'dist',
] as const;

/** One version's object in the full packument: the tarball's package.json plus `_id` and `dist`, then the override. */
function versionDocument(name: string, v: VersionEntry, tarballBase: string): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    ...v.manifest,
    name,
    version: v.version,
    _id: `${name}@${v.version}`,
    _hasShrinkwrap: false,
    dist: {
      integrity: v.integrity,
      shasum: v.shasum,
      tarball: tarballUrl(tarballBase, name, v.version),
      fileCount: Object.keys(v.files).length,
    },
  };
  for (const [key, value] of Object.entries(v.fixture.metadataOverride ?? {})) {
    if (key === 'hasInstallScript') continue;
    if (value === undefined) delete doc[key];
    else doc[key] = value;
  }
  return doc;
}

function distTags(pkg: PackageEntry): Record<string, string> {
  if (pkg.distTags !== undefined) return pkg.distTags;
  const all = [...pkg.versions.keys()];
  const last = all[all.length - 1];
  return last === undefined ? {} : { latest: last };
}

function hasInstallScripts(scripts: unknown): boolean {
  if (typeof scripts !== 'object' || scripts === null) return false;
  return INSTALL_SCRIPTS.some((s) => typeof (scripts as Record<string, unknown>)[s] === 'string');
}

/** A valid tarball that differs from the honest one: same files plus one injected file. */
function tamperedTarball(entry: VersionEntry): Buffer {
  return packTarball({ ...entry.files, 'tampered.js': '// these bytes were changed by the mirror\n' });
}

/** `<base><name>/-/<basename>-<version>.tgz`, the registry's tarball path (scoped: `@scope/name/-/name-1.0.0.tgz`). */
function tarballUrl(base: string, name: string, version: string): string {
  return `${withSlash(base)}${name}/-/${tarballFileName(name, version)}`;
}

function tarballFileName(name: string, version: string): string {
  const basename = name.startsWith('@') ? name.slice(name.indexOf('/') + 1) : name;
  return `${basename}-${version}.tgz`;
}

function withSlash(u: string): string {
  return u.endsWith('/') ? u : `${u}/`;
}

function validateName(name: string): void {
  if (!/^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/.test(name)) {
    throw new Error(`fixture registry: invalid package name ${JSON.stringify(name)}`);
  }
}

function sendJson(
  res: ServerResponse,
  req: IncomingMessage,
  status: number,
  body: unknown,
  type = 'application/json',
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(req.method === 'HEAD' ? undefined : text);
}
