/**
 * Records of one kind (containers, pods) on disk: `<dir>/<id>/<file>`, each with its own lock so
 * unrelated records never wait for each other, and names reserved with O_EXCL files
 * (name-reservations.ts), so two processes can never create two records with the same name.
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { HullError, errnoCode, showUntrusted } from '../errors.js';
import { writeJsonAtomic } from './atomic-write.js';
import { updateLocked, withLock } from './lock.js';
import { NameReservations } from './name-reservations.js';

const ID = /^[a-f0-9]{64}$/;
/** What a name can be (docker's and podman's rule); anything else is never looked up as a file. */
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export interface RecordKind {
  /** `container`: how messages name a record. */
  noun: string;
  /** The record's file in its directory: `container.json`. */
  file: string;
  /** Where to look, for a NOT_FOUND hint: `list containers with "hull ps -a"`. */
  listHint: string;
}

/** Reads a JSON file; undefined when it (or its directory) does not exist. */
export function findJsonFile<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return undefined;
    throw err;
  }
}

export class RecordStore<R extends { Id: string; Name: string }> {
  private readonly names: NameReservations;

  constructor(readonly dir: string, private readonly kind: RecordKind) {
    this.names = new NameReservations(join(dir, 'names'));
  }

  private recordPath(id: string): string {
    return join(this.dir, id, this.kind.file);
  }

  /** Reserves `name` for `id`, reclaiming it from a creator killed before it wrote its record; false when a record (or a live creator) holds it. */
  reserveName(name: string, id: string): boolean {
    if (this.names.reserve(name, id)) return true;
    return this.names.reclaimStale(name, (owner) => this.read(owner) !== undefined) && this.names.reserve(name, id);
  }

  releaseName(name: string, id: string): void {
    this.names.release(name, id);
  }

  nameOwner(name: string): string | undefined {
    return this.names.owner(name);
  }

  create(record: R): void {
    mkdirSync(join(this.dir, record.Id), { recursive: true });
    writeJsonAtomic(this.recordPath(record.Id), record);
  }

  private read(id: string): R | undefined {
    return findJsonFile<R>(this.recordPath(id));
  }

  private ids(): string[] {
    try {
      return readdirSync(this.dir).filter((e) => ID.test(e));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return [];
      throw err;
    }
  }

  list(): R[] {
    return this.ids().flatMap((id) => {
      const r = this.read(id);
      return r ? [r] : [];
    });
  }

  /** By full id, name (docker's leading `/` allowed), or unique id prefix. */
  find(idOrName: string): R | undefined {
    if (ID.test(idOrName)) {
      const r = this.read(idOrName);
      if (r) return r;
    }
    const name = idOrName.replace(/^\//, '');
    const owner = NAME.test(name) ? this.nameOwner(name) : undefined;
    if (owner) {
      const r = this.read(owner);
      if (r) return r;
    }
    if (/^[a-f0-9]{1,63}$/.test(idOrName)) {
      const ids = this.ids().filter((e) => e.startsWith(idOrName));
      if (ids.length > 1) throw new HullError('CONFLICT', `Cannot resolve ${this.kind.noun} "${idOrName}": the ID prefix is ambiguous`, { hint: 'give more characters of the ID' });
      if (ids.length === 1) return this.read(ids[0] as string);
    }
    return undefined;
  }

  get(idOrName: string): R {
    const r = this.find(idOrName);
    if (!r) throw new HullError('NOT_FOUND', `Cannot find ${this.kind.noun} "${showUntrusted(idOrName)}": no such ${this.kind.noun}`, { hint: this.kind.listHint });
    return r;
  }

  /**
   * Read-modify-write of one record under its lock; returns the updated record. `durable: false`
   * where a power loss may undo the update (never tear it): see writeJsonAtomic.
   */
  async update(id: string, fn: (r: R) => void, opts: { durable?: boolean } = {}): Promise<R> {
    const removed = () => new HullError('NOT_FOUND', `Cannot update ${this.kind.noun} "${id}": it was removed`);
    const io = {
      read: () => this.read(id) ?? (() => { throw removed(); })(),
      write: (r: R) => writeJsonAtomic(this.recordPath(id), r, opts),
    };
    return updateLocked(join(this.dir, id, 'lock'), io, (r) => (fn(r), r)).catch((err: unknown) => {
      throw errnoCode(err) === 'ENOENT' ? removed() : err;
    });
  }

  /**
   * Removes a record. Another process may be updating it (a monitor's exit command recording the
   * exit): under the record's lock the directory is renamed away, so such an update finds no record
   * instead of writing into (or re-creating) a directory being deleted.
   */
  async remove(record: R): Promise<void> {
    this.releaseName(record.Name, record.Id);
    const dir = join(this.dir, record.Id);
    const doomed = join(this.dir, `.removing-${record.Id}`);
    try {
      await withLock(join(dir, 'lock'), () => renameSync(dir, doomed));
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err; // already removed
    }
    rmSync(doomed, { recursive: true, force: true, maxRetries: 3 });
  }
}
