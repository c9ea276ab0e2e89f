/** Random identifiers: 64 hex characters, like docker's container IDs. */
import { randomBytes } from './random.js';

export function randomId(): string {
  return randomBytes(32).toString('hex');
}
