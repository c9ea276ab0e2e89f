/** Driving a program through a real pseudo-terminal with tmux (send-keys in, capture-pane out). */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface TmuxSession {
  send(...keys: string[]): void;
  resize(columns: number, rows: number): void;
  screen(): string;
  /** Waits until the screen matches, or throws with the screen after `ms`. */
  waitFor(re: RegExp, ms?: number): Promise<string>;
  kill(): void;
}

function tmux(args: string[]): string {
  const r = spawnSync('tmux', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tmux ${args[0]} failed: ${r.stderr}`);
  return r.stdout;
}

export function startTmux(command: string, columns = 80, rows = 24): TmuxSession {
  const name = `hull-${randomBytes(4).toString('hex')}`;
  tmux(['new-session', '-d', '-s', name, '-x', String(columns), '-y', String(rows), command]);
  tmux(['set-option', '-t', name, 'remain-on-exit', 'on']);
  const session: TmuxSession = {
    send: (...keys) => void tmux(['send-keys', '-t', name, ...keys]),
    resize: (c, r) => void tmux(['resize-window', '-t', name, '-x', String(c), '-y', String(r)]),
    screen: () => tmux(['capture-pane', '-t', name, '-p']),
    async waitFor(re, ms = 10_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const s = session.screen();
        if (re.test(s)) return s;
        if (Date.now() > deadline) throw new Error(`screen never matched ${re}:\n${s}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    kill: () => void spawnSync('tmux', ['kill-session', '-t', name]),
  };
  return session;
}
