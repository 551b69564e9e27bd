import { copyFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import {
  findWorkspaceRoot,
  loadPolicy,
  parsePolicyText,
  parseVerifierKey,
  POLICY_FILE_NAME,
  writeFileAtomic,
} from '@sumgate/core';
import { parseArgs, UsageError } from '../args.js';
import type { Command, Io } from '../io.js';
import { bundleHint, findBundle } from '../init/bundles.js';
import { detectPackageManager } from '../init/detect.js';
import type { PackageManager } from '../init/detect.js';
import { npmrcRegistry, PNPMFILE, pnpmfileState } from '../init/pnpmfile.js';
import { policyTemplate } from '../init/policyTemplate.js';
import { projectSchemaPath } from '../init/schemaPath.js';
import { importYarnPlugin, YARN_PLUGIN_FILE, yarnPluginState, yarnRegistry } from '../init/yarnPlugin.js';

const NPMJS = 'https://registry.npmjs.org/';

/** `sumgate init`: one command from an unprotected repo to verified installs. */
export const init: Command = {
  name: 'init',
  summary: 'set a pnpm or Yarn repo up: write sumgate.jsonc and install the plugin',
  usage: `usage: sumgate init --log-url <url> --log-vkey <vkey> [--pnpm|--yarn] [--registry <url>] [--plugin-path <file>]

Run at the repository root. Detects pnpm (pnpm-lock.yaml, pnpm-workspace.yaml, "packageManager")
or Yarn 2+ (yarn.lock with __metadata, .yarnrc.yml, "packageManager"), then:
  - writes ${POLICY_FILE_NAME}: mode "enforce", quarantine of new install-time code, the registry
    as the only source, and the checksum log with its pinned key (every choice commented);
  - pnpm: copies the sumgate pnpmfile to ${PNPMFILE} (refuses to overwrite a different one);
  - Yarn: runs \`yarn plugin import\` with the sumgate Yarn plugin;
and prints what to commit. Safe to run again: an existing policy and plugin are left as they are.

  --log-url <url>      the checksum log (required when no policy exists yet)
  --log-vkey <vkey>    the log's verifier key, pinned in the policy (required with --log-url;
                       repeat or comma-separate for several). Get it from the log operator
                       (\`sumgate log init\` prints it for a log you run yourself).
  --pnpm, --yarn       skip detection
  --registry <url>     the registry to download from (default: the project's configured
                       registry, else ${NPMJS})
  --plugin-path <file> the plugin bundle to install (default: the one shipped with this CLI)

examples:
  sumgate init --log-url https://sum.example.com/npm/ --log-vkey 'sum.example.com/npm+1a2b3c4d+AbC...='
  sumgate init --yarn --log-url http://127.0.0.1:8090/ --log-vkey "$(cat log/log.vkey)"
  npm run sumgate -- init ...   (from a checkout: acts on the directory you ran npm from)`,
  async run(argv, io) {
    const args = parseArgs(argv, {
      pnpm: 'boolean',
      yarn: 'boolean',
      'log-url': 'string',
      'log-vkey': 'list',
      registry: 'string',
      'plugin-path': 'string',
      help: 'boolean',
    });
    if (args.flags.help === true) {
      io.stdout(`${this.usage}\n`);
      return 0;
    }
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
    if (args.flags.pnpm === true && args.flags.yarn === true)
      throw new UsageError('give --pnpm or --yarn, not both');
    const root = findWorkspaceRoot(io.cwd);
    const manager = chooseManager(
      root,
      args.flags.pnpm === true ? 'pnpm' : args.flags.yarn === true ? 'yarn' : undefined,
    );

    const bundle =
      typeof args.flags['plugin-path'] === 'string'
        ? path.resolve(io.cwd, args.flags['plugin-path'])
        : findBundle(manager, root).file;
    if (bundle === undefined || !existsSync(bundle)) {
      io.stderr(
        `sumgate init: the sumgate ${manager} plugin bundle was not found${bundle === undefined ? '' : ` at ${bundle}`}\n  fix: ${bundleHint()}, or pass --plugin-path <file>\n`,
      );
      return 1;
    }

    // Check everything before writing anything: a refusal leaves the repo as it was.
    const policyFile = path.join(root, POLICY_FILE_NAME);
    const policyExists = existsSync(policyFile);
    if (policyExists) loadPolicy({ cwd: root, file: policyFile, env: io.env }); // throws POLICY_INVALID (exit 2) naming the problem
    const policyText = policyExists ? undefined : newPolicy(root, manager, args.flags);
    if (manager === 'pnpm') {
      const state = pnpmfileState(root, bundle);
      if (state.kind === 'conflict') {
        io.stderr(`sumgate init: not set up: ${state.why}\n  fix: ${state.fix}\n`);
        return 1;
      }
    }

    const did: string[] = [];
    const kept: string[] = [];
    if (policyText !== undefined) {
      writeFileAtomic(policyFile, policyText, { durable: true });
      const p = parsePolicyText(policyText, policyFile);
      did.push(
        `wrote ${POLICY_FILE_NAME}: mode enforce, quarantine on, source ${p.sources.map((s) => `${s.name} ${s.url}`).join(', ')}, log ${p.log!.url} (key ${p.log!.vkeys.map((k) => k.split('+')[0]).join(', ')} pinned)`,
      );
    } else {
      kept.push(
        `${POLICY_FILE_NAME} exists: left as it is${typeof args.flags['log-url'] === 'string' ? ' (--log-url/--log-vkey are only used for a new policy: edit "log" by hand to change it)' : ''}`,
      );
    }

    const code =
      manager === 'pnpm' ? setUpPnpm(root, bundle, did, kept) : await setUpYarn(io, root, bundle, did, kept);
    if (code !== 0) {
      report(io, root, manager, did, kept, false);
      return code;
    }
    report(io, root, manager, did, kept, true);
    return 0;
  },
};

function chooseManager(root: string, forced: PackageManager | undefined): PackageManager {
  if (forced !== undefined) return forced;
  const d = detectPackageManager(root);
  if (d.manager !== undefined) return d.manager;
  if (d.unsupported !== undefined) {
    throw new UsageError(
      `${d.unsupported}: Yarn 1 has no plugin API, so installs cannot be gated. Upgrade to Yarn 4 (yarn set version stable), or use pnpm; \`sumgate audit\` still checks a yarn.lock in CI`,
    );
  }
  if (d.ambiguous === true)
    throw new UsageError(
      `both pnpm and Yarn files are in ${root} (${d.evidence.join(', ')}): pass --pnpm or --yarn`,
    );
  throw new UsageError(
    `no pnpm or Yarn project found at ${root} (no pnpm-lock.yaml, pnpm-workspace.yaml, yarn.lock, .yarnrc.yml or "packageManager"): run it at the repository root, or pass --pnpm or --yarn`,
  );
}

function newPolicy(root: string, manager: PackageManager, flags: Record<string, unknown>): string {
  const logUrl = flags['log-url'];
  const vkeys = (flags['log-vkey'] as string[] | undefined) ?? [];
  if (typeof logUrl !== 'string' || vkeys.length === 0) {
    throw new UsageError(
      `--log-url and --log-vkey are required to write a new ${POLICY_FILE_NAME}: sumgate does not guess which log to trust or its key, and a policy without a log could not verify anything. Ask your log operator for both, or run your own log (\`sumgate log init\` prints its vkey, \`sumgate log serve\` serves it)`,
    );
  }
  if (!/^https?:\/\/[^@\s]+$/.test(logUrl) || !URL.canParse(logUrl))
    throw new UsageError(`--log-url: "${logUrl}" is not an http(s) URL without credentials`);
  for (const k of vkeys) {
    try {
      parseVerifierKey(k);
    } catch (e) {
      throw new UsageError(`--log-vkey: ${(e as Error).message}`);
    }
  }
  const registryUrl =
    (flags['registry'] as string | undefined) ??
    (manager === 'pnpm' ? npmrcRegistry(root) : yarnRegistry(root)) ??
    NPMJS;
  if (!/^https?:\/\/[^@\s]+$/.test(registryUrl) || !URL.canParse(registryUrl))
    throw new UsageError(
      `--registry: "${registryUrl}" is not an http(s) URL without credentials (credentials belong in .npmrc / .yarnrc.yml)`,
    );
  const url = registryUrl.endsWith('/') ? registryUrl : `${registryUrl}/`;
  const name = url === NPMJS ? 'npmjs' : new URL(url).hostname.replace(/[^A-Za-z0-9._-]/g, '-') || 'registry';
  const text = policyTemplate({
    logUrl: logUrl.endsWith('/') ? logUrl : `${logUrl}/`,
    vkeys,
    registry: { name, url },
    schema: projectSchemaPath(root),
  });
  parsePolicyText(text, path.join(root, POLICY_FILE_NAME)); // never write a policy the plugins would reject
  return text;
}

function setUpPnpm(root: string, bundle: string, did: string[], kept: string[]): number {
  const state = pnpmfileState(root, bundle);
  if (state.kind === 'current') {
    kept.push(`${PNPMFILE} is the current sumgate pnpmfile: left as it is`);
    return 0;
  }
  copyFileSync(bundle, path.join(root, PNPMFILE));
  did.push(`installed ${PNPMFILE} (the sumgate pnpm plugin, from ${bundle})`);
  return 0;
}

async function setUpYarn(
  io: Io,
  root: string,
  bundle: string,
  did: string[],
  kept: string[],
): Promise<number> {
  const state = yarnPluginState(root, bundle);
  if (state === 'current') {
    kept.push(`the sumgate Yarn plugin is imported (${YARN_PLUGIN_FILE}): left as it is`);
    return 0;
  }
  const r = await importYarnPlugin(root, bundle, io.env);
  if (!r.ok) {
    io.stderr(
      r.notRunnable
        ? `sumgate init: could not run Yarn here (${r.output}); finish the setup by running, at ${root}:\n  ${r.display}\n`
        : `sumgate init: \`${r.display}\` failed:\n${r.output}\n  fix: run it yourself at ${root} and read Yarn's message\n`,
    );
    return 1;
  }
  if (yarnPluginState(root, bundle) === 'absent') {
    io.stderr(
      `sumgate init: \`${r.display}\` ran but ${YARN_PLUGIN_FILE} is not listed in .yarnrc.yml:\n${r.output}\n`,
    );
    return 1;
  }
  did.push(
    `${state === 'other' ? 'updated' : 'imported'} the sumgate Yarn plugin (${r.display}): ${YARN_PLUGIN_FILE}, listed in .yarnrc.yml`,
  );
  return 0;
}

function report(
  io: Io,
  root: string,
  manager: PackageManager,
  did: string[],
  kept: string[],
  complete: boolean,
): void {
  const out: string[] = [];
  if (did.length === 0 && complete) {
    out.push(`sumgate init: already set up for ${manager} in ${root}: nothing changed.`);
    for (const k of kept) out.push(`  - ${k}`);
    io.stdout(`${out.join('\n')}\n`);
    return;
  }
  out.push(`sumgate init: ${manager} project at ${root}`);
  for (const d of did) out.push(`  - ${d}`);
  for (const k of kept) out.push(`  - ${k}`);
  if (!complete) {
    io.stdout(`${out.join('\n')}\n`);
    return;
  }
  out.push('', 'next:');
  if (manager === 'pnpm') {
    const lock = existsSync(path.join(root, 'pnpm-lock.yaml'));
    out.push(
      `  1. run \`pnpm install\` once (without --frozen-lockfile): pnpm records a checksum of ${PNPMFILE} in pnpm-lock.yaml`,
    );
    out.push(
      `     (pnpmfileChecksum)${lock ? '; until the lockfile is rewritten, `pnpm install --frozen-lockfile` (CI) fails with ERR_PNPM_LOCKFILE_CONFIG_MISMATCH' : ''}.`,
    );
    out.push(`  2. commit: ${POLICY_FILE_NAME} ${PNPMFILE} pnpm-lock.yaml`);
  } else {
    out.push('  1. run `yarn install`: every package is now verified against the checksum log.');
    out.push(`  2. commit: ${POLICY_FILE_NAME} .yarnrc.yml ${YARN_PLUGIN_FILE}`);
  }
  out.push('  3. in CI, also run `sumgate audit` (exit 1 on a refused package, 2 when it could not check).');
  io.stdout(`${out.join('\n')}\n`);
}
