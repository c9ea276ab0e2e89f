/**
 * htpasswd users with bcrypt hashes (`htpasswd -B`, the only scheme the reference registry
 * accepts too). bcrypt costs tens of milliseconds per check by design, so a verified password is
 * remembered as an HMAC under a per-process random key: later requests with the same credentials
 * cost a hash, and the cache never holds anything that would reveal the password.
 */
import bcrypt from 'bcryptjs';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { HullError } from '../../errors.js';

const MAX_CACHE = 1024;

export function parseHtpasswd(text: string, file = 'htpasswd'): Map<string, string> {
  const users = new Map<string, string>();
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    const user = line.slice(0, colon);
    const hash = line.slice(colon + 1);
    if (colon <= 0 || !/^\$2[aby]\$\d\d\$/.test(hash)) {
      throw new HullError('INVALID_ARGUMENT', `Cannot load htpasswd "${file}": line ${i + 1} is not user:bcrypt-hash`, {
        hint: 'create entries with "htpasswd -Bbn USER PASSWORD"',
      });
    }
    users.set(user, hash);
  }
  return users;
}

export class Htpasswd {
  private readonly key = randomBytes(32);
  private readonly verified = new Map<string, Buffer>();

  constructor(private readonly users: Map<string, string>) {}

  static async load(file: string): Promise<Htpasswd> {
    return new Htpasswd(parseHtpasswd(await fs.readFile(file, 'utf8'), file));
  }

  async verify(user: string, password: string): Promise<boolean> {
    const hash = this.users.get(user);
    if (!hash) return false;
    const mac = createHmac('sha256', this.key).update(`${user}\0${password}\0${hash}`).digest();
    const known = this.verified.get(user);
    if (known && timingSafeEqual(known, mac)) return true;
    if (!(await bcrypt.compare(password, hash))) return false;
    if (this.verified.size >= MAX_CACHE) this.verified.clear();
    this.verified.set(user, mac);
    return true;
  }
}
