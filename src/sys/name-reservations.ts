/**
 * Unique names for records of one kind (containers, pods): a name is a file in `dir` holding
 * the owner's id (and the reserving process), made with O_EXCL, so two processes creating the
 * same name at once cannot both win; the record store keeps the records, this only arbitrates
 * their names. A process killed -9 between reserving a name and writing its record leaves a
 * reservation nobody holds: the next reservation of that name reclaims it (reclaimStale).
 */
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode } from '../errors.js';
import { processStartTime } from './lock.js';
import { randomBytes } from './random.js';

/** How old an empty reservation must be before it is taken for a leftover. */
const EMPTY_GRACE_MS = 5_000;

const selfToken = () => `${process.pid} ${processStartTime(process.pid) ?? 0}`;

export class NameReservations {
  constructor(private readonly dir: string) {}

  /** Reserves `name` for `id`; false when another record holds it. */
  reserve(name: string, id: string): boolean {
    mkdirSync(this.dir, { recursive: true });
    // Written aside, then linked: the name appears with its owner in it or not at all (a file made
    // with O_EXCL and written after could be left empty by a kill -9, naming nobody to reclaim).
    const draft = join(this.dir, `.new-${randomBytes(6).toString('hex')}`);
    writeFileSync(draft, `${id}\n${selfToken()}`, { mode: 0o644 });
    try {
      linkSync(draft, join(this.dir, name));
      return true;
    } catch (err) {
      if (errnoCode(err) === 'EEXIST') return false;
      throw err;
    } finally {
      rmSync(draft, { force: true });
    }
  }

  /** Frees `name` if `id` still holds it. */
  release(name: string, id: string): void {
    if (this.owner(name) === id) unlinkSync(join(this.dir, name));
  }

  owner(name: string): string | undefined {
    return this.read(name)?.split('\n')[0];
  }

  /**
   * Frees `name` when its owner has no record and the process that reserved it is gone: it was
   * killed between the reservation and the record. Moved aside first, so of two processes
   * reclaiming at once only one removes it. True when it was freed.
   */
  reclaimStale(name: string, hasRecord: (id: string) => boolean): boolean {
    const text = this.read(name);
    const [id, token] = text?.split('\n') ?? [];
    // An empty file is what an older hull killed -9 mid-reservation left (see reserve).
    const emptyLeftover = text === '' && this.ageMs(name) > EMPTY_GRACE_MS;
    if (!emptyLeftover) {
      if (text === undefined || id === undefined || token === undefined || hasRecord(id)) return false;
      const [pid, start] = token.split(' ');
      if (pid !== undefined && processStartTime(Number(pid)) === start) return false; // still being created
    }
    const aside = join(this.dir, `.stale-${name}-${randomBytes(4).toString('hex')}`);
    try {
      renameSync(join(this.dir, name), aside);
    } catch {
      return false; // another process reclaimed it
    }
    if (readFileSync(aside, 'utf8') !== text) {
      // A fresh reservation was moved (it replaced the stale one meanwhile): put it back.
      renameSync(aside, join(this.dir, name));
      return false;
    }
    unlinkSync(aside);
    return true;
  }

  private ageMs(name: string): number {
    try {
      return Date.now() - statSync(join(this.dir, name)).mtimeMs;
    } catch {
      return 0;
    }
  }

  private read(name: string): string | undefined {
    try {
      return readFileSync(join(this.dir, name), 'utf8');
    } catch {
      return undefined;
    }
  }
}
