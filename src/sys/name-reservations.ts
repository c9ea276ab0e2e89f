/**
 * Unique names for records of one kind (containers, pods): a name is a file in `dir` holding
 * the owner's id (and the reserving process), made with O_EXCL, so two processes creating the
 * same name at once cannot both win; the record store keeps the records, this only arbitrates
 * their names. A process killed -9 between reserving a name and writing its record leaves a
 * reservation nobody holds: the next reservation of that name reclaims it (reclaimStale).
 */
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode } from '../errors.js';
import { processStartTime } from './lock.js';
import { randomBytes } from './random.js';

const selfToken = () => `${process.pid} ${processStartTime(process.pid) ?? 0}`;

export class NameReservations {
  constructor(private readonly dir: string) {}

  /** Reserves `name` for `id`; false when another record holds it. */
  reserve(name: string, id: string): boolean {
    mkdirSync(this.dir, { recursive: true });
    try {
      const fd = openSync(join(this.dir, name), 'wx', 0o644);
      writeFileSync(fd, `${id}\n${selfToken()}`);
      closeSync(fd);
      return true;
    } catch (err) {
      if (errnoCode(err) === 'EEXIST') return false;
      throw err;
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
    if (text === undefined || id === undefined || token === undefined || hasRecord(id)) return false;
    const [pid, start] = token.split(' ');
    if (pid !== undefined && processStartTime(Number(pid)) === start) return false; // still being created
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

  private read(name: string): string | undefined {
    try {
      return readFileSync(join(this.dir, name), 'utf8');
    } catch {
      return undefined;
    }
  }
}
