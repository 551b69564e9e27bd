/**
 * The policy `sumgate init` writes: safe defaults, each with a comment saying what it does and how
 * to change it. Keys and meanings: shared/core/policy.schema.json.
 */

export interface PolicyTemplateOptions {
  readonly logUrl: string;
  readonly vkeys: readonly string[];
  readonly registry: { readonly name: string; readonly url: string };
  /** Relative path of the JSON Schema, when the package is installed. */
  readonly schema: string | undefined;
}

export function policyTemplate(o: PolicyTemplateOptions): string {
  const j = (v: unknown) => JSON.stringify(v);
  const lines = [
    '// sumgate policy: read by the sumgate plugin on every install and by `sumgate audit` in CI.',
    '// Every key is described in the README and in @sumgate/core/policy.schema.json. Commit this file.',
    '{',
    ...(o.schema === undefined ? [] : [`  "$schema": ${j(o.schema)},`]),
    '  // enforce: a package that fails verification fails the install, naming the package and the fix.',
    '  // ("warn" only prints the problems; "off" disables sumgate.)',
    '  "mode": "enforce",',
    '',
    '  // Where tarballs may be downloaded from, in order (add mirrors here). No source is trusted:',
    '  // every tarball must have the sha512 the checksum log recorded, whoever serves it.',
    '  "sources": [',
    `    { "name": ${j(o.registry.name)}, "url": ${j(o.registry.url)} }`,
    '  ],',
    '',
    '  // The append-only checksum log every package version is proven in. "vkeys" pins the log\'s',
    '  // public key: get it from the log operator, never from the log itself.',
    '  "log": {',
    `    "url": ${j(o.logUrl)},`,
    `    "vkeys": [${o.vkeys.map(j).join(', ')}],`,
    '    // Ask the log to record versions it has not seen yet (first use of a new release).',
    '    "ingest": true',
    '  },',
    '',
    '  // Stop any version that adds or changes install-time code (preinstall, install, postinstall,',
    '  // binding.gyp) compared with the previous version, until approved: `sumgate approve <name>@<version>`.',
    '  "quarantine": true,',
    '',
    '  // Package-name globs that skip the log, e.g. "@mycorp/*" for private packages a public log',
    '  // cannot know. Empty: every package is checked.',
    '  "exempt": [],',
    '',
    '  // Reviewed install-time code, one entry per name@version and fingerprint.',
    '  // `sumgate approve <name>@<version>` shows the code and adds the entry here.',
    '  "approvals": []',
    '}',
    '',
  ];
  return lines.join('\n');
}
