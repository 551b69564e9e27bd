/**
 * Archive entry names, and the one spelling of each that every extractor maps to the same file.
 * pnpm 10 strips the first component at the first `/` or `\` of the ustar name (at the first `/` of
 * a pax path or GNU long name), keeps a name with no separator at the package root, normalises
 * `./`, `//` and `\` only in some names; Yarn 4 (node-tar + ppath.normalize) strips one component
 * after normalising, drops names with `..` or a leading `/`, and drops names with one component.
 * The canonical form below is the set on which all of those agree; anything else is refused.
 * See shared/core/docs/tar-extraction.md.
 */

export type PathCheck = { ok: true; top: string; path: string | undefined } | { ok: false; why: string };

/**
 * Checks a full archive name (`<top>/<path>`) and splits off the top folder. `path` is undefined for
 * the top folder itself (a directory entry `package/`). Directories may end in one `/`.
 */
export function splitArchivePath(name: string, isDirectory: boolean): PathCheck {
  if (name === '') return { ok: false, why: 'the name is empty' };
  if (name.includes('\\'))
    return {
      ok: false,
      why: 'the name contains a backslash (pnpm reads it as a path separator, Yarn as part of a file name)',
    };
  if (/[\u0000-\u001f\u007f]/.test(name))
    return {
      ok: false,
      why: 'the name contains a control character (NUL, newline, ...), which extractors cut or keep differently',
    };
  if (name.startsWith('/'))
    return {
      ok: false,
      why: 'the name is absolute (Yarn drops it, pnpm strips the slash as the top folder)',
    };
  let body = name;
  if (name.endsWith('/')) {
    if (!isDirectory)
      return { ok: false, why: 'a file name ends in "/" (node-tar makes it a directory, pnpm a file)' };
    body = name.slice(0, -1);
  }
  const [top = '', ...inner] = body.split('/');
  if (top === '.' || top === '..')
    return {
      ok: false,
      why: `the name has a "${top}" segment (Yarn normalises it before stripping the top folder, pnpm after)`,
    };
  const rest: string[] = [];
  for (const seg of [top, ...inner]) {
    if (seg === '') return { ok: false, why: 'the name has an empty segment ("//" or a trailing "/")' };
    if (seg === '..')
      return {
        ok: false,
        why: 'the name has a ".." segment (pnpm clamps it at the package root, Yarn drops the entry)',
      };
  }
  // Below the top folder every extractor drops "." segments (pnpm 10 through path.posix.join, Yarn
  // through ppath.normalize, pnpm 12 in its segment split): proxy-agent 6.5.0 ships "package/./dist/...".
  for (const seg of inner) if (seg !== '.') rest.push(seg);
  if (rest.length === 0 && inner.length > 0)
    return { ok: false, why: 'the name is only "." segments below the top folder' };
  if (rest.length === 0) {
    if (isDirectory) return { ok: true, top, path: undefined };
    return {
      ok: false,
      why: 'the file is not inside a top folder (pnpm puts it at the package root, Yarn drops it)',
    };
  }
  return { ok: true, top, path: rest.join('/') };
}

/**
 * The package-relative path of a canonical archive name (`package/lib/x.js` -> `lib/x.js`), or
 * undefined for the top folder itself and for names that are not canonical.
 */
export function packagePath(archivePath: string): string | undefined {
  const split = splitArchivePath(archivePath, archivePath.endsWith('/'));
  return split.ok ? split.path : undefined;
}

/**
 * The key two paths collide under on case-insensitive or normalisation-insensitive file systems
 * (macOS, Windows): `Package.json` and `package.json` are one file there.
 */
export function foldedPath(path: string): string {
  return path.normalize('NFC').toLowerCase();
}
