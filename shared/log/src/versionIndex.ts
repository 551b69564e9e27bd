/**
 * The embedded log's versions per package name (GET /versions/, http/versionsRoute.ts): escaped
 * name -> the versions it holds published records for, in the order they were logged. Kept beside
 * the name@version index (log.ts) and updated in the same synchronous step as it, so a listed
 * version is always one a lookup finds.
 */
export class VersionIndex {
  private readonly byName = new Map<string, string[]>();

  /** Adds an index key `<escaped name> <version>` (log.ts indexKey). */
  add(indexKey: string): void {
    const space = indexKey.lastIndexOf(' ');
    const name = indexKey.slice(0, space);
    const version = indexKey.slice(space + 1);
    const versions = this.byName.get(name);
    if (versions === undefined) this.byName.set(name, [version]);
    else versions.push(version);
  }

  /** The logged versions of an escaped name, at most `max` (a longer list is cut, first logged first). */
  versionsOf(escapedName: string, max: number): string[] {
    return (this.byName.get(escapedName) ?? []).slice(0, max);
  }

  clear(): void {
    this.byName.clear();
  }
}
