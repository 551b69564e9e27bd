/**
 * Bun's security scanner API, version '1' (bun-types `Bun.Security`), as Bun 1.4.5 calls it:
 * `bunfig.toml` `[install.security] scanner = "<package>"`; the module's named export `scanner`
 * (a default export is refused: "must export a 'scanner' object with a version property").
 */
export interface BunPackage {
  readonly name: string;
  /** The resolved exact version. */
  readonly version: string;
  /** The range as package.json or the command line wrote it (a tag, a range, `github:...`, `file:...`). */
  readonly requestedRange: string;
  /** The tarball URL Bun downloads (empty for packages not installed from a tarball). */
  readonly tarball: string;
}

export interface BunAdvisory {
  /** `fatal` cancels the install (non-zero exit); `warn` prompts in a TTY and exits otherwise. */
  readonly level: 'fatal' | 'warn';
  readonly package: string;
  readonly url: string | null;
  readonly description: string | null;
}

export interface BunScanner {
  readonly version: '1';
  scan(info: { packages: readonly BunPackage[] }): Promise<BunAdvisory[]>;
}
