/**
 * Evidence of conflicting observations: when someone (an upstream registry, a client) presents a
 * record for a name@version that the log already holds with different content, the log refuses it
 * (first record wins forever) and keeps what it saw under `<dir>/evidence/<key>.json`, served at
 * GET /evidence/<key> so that anyone can see which source lied.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomicFile.js';
import { KeyedQueue } from './keyedQueue.js';

export interface Observation {
  /** The refused record text. */
  record: string;
  /** Where it came from (an upstream URL, or "append"). */
  source: string;
  observedAt: string;
}

export interface Evidence {
  key: string;
  /** Leaf index and text of the record the log holds. */
  index: number;
  logged: string;
  observations: Observation[];
}

const MAX_OBSERVATIONS = 100;

export class EvidenceStore {
  private readonly dir: string;
  /** One write at a time per key: concurrent refusals must not race on the file (or lose an observation). */
  private readonly writing = new KeyedQueue();

  constructor(logDir: string) {
    this.dir = join(logDir, 'evidence');
  }

  private path(key: string): string {
    // Keys are escaped names (recordKey); encoding them again keeps "/" and "%" out of file names.
    return join(this.dir, `${encodeURIComponent(key)}.json`);
  }

  get(key: string): Evidence | undefined {
    try {
      return JSON.parse(readFileSync(this.path(key), 'utf8')) as Evidence;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** Records one refused observation (deduplicated by record text). */
  add(key: string, index: number, logged: string, observation: Observation): Promise<Evidence> {
    return this.writing.run(key, () => this.write(key, index, logged, observation));
  }

  private async write(
    key: string,
    index: number,
    logged: string,
    observation: Observation,
  ): Promise<Evidence> {
    mkdirSync(this.dir, { recursive: true });
    const ev = this.get(key) ?? { key, index, logged, observations: [] };
    if (
      !ev.observations.some((o) => o.record === observation.record) &&
      ev.observations.length < MAX_OBSERVATIONS
    ) {
      ev.observations.push(observation);
      await writeFileAtomic(this.path(key), `${JSON.stringify(ev, null, 2)}\n`);
    }
    return ev;
  }
}
