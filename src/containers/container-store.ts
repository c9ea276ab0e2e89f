/**
 * ContainerStore: container records on disk (layout in record.ts). Each record has its own lock,
 * so unrelated containers never wait for each other; names are reserved with O_EXCL files, so
 * two processes can never create containers with the same name.
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, openSync, closeSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { HullError, errnoCode } from '../errors.js';
import { writeJsonAtomic } from '../sys/atomic-write.js';
import { updateLocked, withLock } from '../sys/lock.js';
import type { ContainerRecord } from './record.js';

export class ContainerStore {
  private readonly dir: string;
  private readonly namesDir: string;

  constructor(root: string) {
    this.dir = join(root, 'containers');
    this.namesDir = join(this.dir, 'names');
    mkdirSync(this.namesDir, { recursive: true });
  }

  private recordPath(id: string): string {
    return join(this.dir, id, 'container.json');
  }

  /** Reserves `name` for `id`; false when another container holds it. */
  reserveName(name: string, id: string): boolean {
    try {
      const fd = openSync(join(this.namesDir, name), 'wx', 0o644);
      writeFileSync(fd, id);
      closeSync(fd);
      return true;
    } catch (err) {
      if (errnoCode(err) === 'EEXIST') return false;
      throw err;
    }
  }

  releaseName(name: string, id: string): void {
    try {
      if (readFileSync(join(this.namesDir, name), 'utf8') === id) unlinkSync(join(this.namesDir, name));
    } catch {
      // already released
    }
  }

  nameOwner(name: string): string | undefined {
    try {
      return readFileSync(join(this.namesDir, name), 'utf8');
    } catch {
      return undefined;
    }
  }

  create(record: ContainerRecord): void {
    mkdirSync(join(this.dir, record.Id), { recursive: true });
    writeJsonAtomic(this.recordPath(record.Id), record);
  }

  private read(id: string): ContainerRecord | undefined {
    try {
      return JSON.parse(readFileSync(this.recordPath(id), 'utf8')) as ContainerRecord;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return undefined;
      throw err;
    }
  }

  list(): ContainerRecord[] {
    return readdirSync(this.dir)
      .filter((e) => /^[a-f0-9]{64}$/.test(e))
      .flatMap((id) => {
        const r = this.read(id);
        return r ? [r] : [];
      });
  }

  /** By full id, name, or unique id prefix (docker's rules). */
  find(idOrName: string): ContainerRecord | undefined {
    if (/^[a-f0-9]{64}$/.test(idOrName)) {
      const r = this.read(idOrName);
      if (r) return r;
    }
    const owner = this.nameOwner(idOrName.replace(/^\//, ''));
    if (owner) return this.read(owner);
    if (/^[a-f0-9]{1,63}$/.test(idOrName)) {
      const ids = readdirSync(this.dir).filter((e) => /^[a-f0-9]{64}$/.test(e) && e.startsWith(idOrName));
      if (ids.length > 1) throw new HullError('CONFLICT', `Cannot resolve container "${idOrName}": the ID prefix is ambiguous`, { hint: 'give more characters of the ID' });
      if (ids.length === 1) return this.read(ids[0] as string);
    }
    return undefined;
  }

  get(idOrName: string): ContainerRecord {
    const r = this.find(idOrName);
    if (!r) throw new HullError('NOT_FOUND', `Cannot find container "${idOrName}": no such container`, { hint: 'list containers with "hull ps -a"' });
    return r;
  }

  /**
   * Read-modify-write of one record under its lock; returns the updated record. `durable: false`
   * for State changes, which reads reconcile with the runtime anyway: a power loss may undo the
   * update, never tear it (and every container is stopped after one).
   */
  async update(id: string, fn: (r: ContainerRecord) => void, opts: { durable?: boolean } = {}): Promise<ContainerRecord> {
    const removed = () => new HullError('NOT_FOUND', `Cannot update container "${id}": it was removed`);
    const io = {
      read: () => this.read(id) ?? (() => { throw removed(); })(),
      write: (r: ContainerRecord) => writeJsonAtomic(this.recordPath(id), r, opts),
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
  async remove(record: ContainerRecord): Promise<void> {
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
