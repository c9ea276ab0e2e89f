/**
 * Access policy: who may pull, push or delete in which repositories. Loaded from a small YAML file:
 *
 *   # access.yaml: a list of rules; a request gets the union of the actions of every matching rule
 *   - account: alice            # an htpasswd user; "*" = any signed-in user; "anonymous" = no credentials
 *     repository: "team/*"      # "*" matches within one path component, "**" across components
 *     actions: [pull, push, delete]
 *   - account: "*"
 *     repository: "**"
 *     actions: [pull]
 *
 * Without a file: signed-in users may do everything and anonymous requests nothing, except pull
 * when anonymousPull is on. Without any authentication configured, everyone may do everything.
 */
import * as fs from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { HullError } from '../../errors.js';

export type Action = 'pull' | 'push' | 'delete';
export const ACTIONS: readonly Action[] = ['pull', 'push', 'delete'];

export interface AccessRule {
  account: string;
  repository: RegExp;
  actions: Set<Action>;
}

export const ANONYMOUS = 'anonymous';

function bad(file: string, why: string): HullError {
  return new HullError('INVALID_ARGUMENT', `Cannot load access file "${file}": ${why}`, { hint: 'see docs/registry.md#access-rules' });
}

/** Turns a repository glob into an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else re += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function parseAccessRules(text: string, file = 'access'): AccessRule[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw bad(file, `not valid YAML (${(err as Error).message})`);
  }
  if (doc === null || doc === undefined) return [];
  const list = Array.isArray(doc) ? doc : (doc as { rules?: unknown }).rules;
  if (!Array.isArray(list)) throw bad(file, 'expected a list of rules');
  return list.map((r: unknown, i) => {
    const rule = r as { account?: unknown; repository?: unknown; actions?: unknown };
    if (typeof rule.account !== 'string' || typeof rule.repository !== 'string' || !Array.isArray(rule.actions)) {
      throw bad(file, `rule ${i + 1} needs account, repository and actions`);
    }
    const actions = new Set<Action>();
    for (const a of rule.actions) {
      if (a === '*') ACTIONS.forEach((x) => actions.add(x));
      else if (ACTIONS.includes(a as Action)) actions.add(a as Action);
      else throw bad(file, `rule ${i + 1}: unknown action "${String(a)}" (pull, push, delete or *)`);
    }
    return { account: rule.account, repository: globToRegExp(rule.repository), actions };
  });
}

export class AccessPolicy {
  constructor(
    private readonly rules: AccessRule[] | undefined,
    private readonly options: { authEnabled: boolean; anonymousPull: boolean },
  ) {}

  static async load(file: string | undefined, options: { authEnabled: boolean; anonymousPull: boolean }): Promise<AccessPolicy> {
    if (!file) return new AccessPolicy(undefined, options);
    return new AccessPolicy(parseAccessRules(await fs.readFile(file, 'utf8'), file), options);
  }

  /** The actions `account` (undefined = anonymous) has on `repo`. */
  allowed(account: string | undefined, repo: string): Set<Action> {
    if (!this.options.authEnabled) return new Set(ACTIONS);
    const out = new Set<Action>();
    if (this.options.anonymousPull) out.add('pull');
    if (!this.rules) {
      if (account !== undefined) ACTIONS.forEach((a) => out.add(a));
      return out;
    }
    for (const rule of this.rules) {
      const who = account === undefined ? rule.account === ANONYMOUS : rule.account === '*' || rule.account === account;
      if (who && rule.repository.test(repo)) rule.actions.forEach((a) => out.add(a));
    }
    return out;
  }
}
