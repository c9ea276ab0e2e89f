/**
 * A RUN step: its cache key (the command, the args in scope, the mounts and what bind mounts show),
 * then, on a miss, the command run by runc in a fresh view on the parent's layers (run-step.ts),
 * whose changes become the step's layer (BuildHost.layerState).
 */
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HullError } from '../errors.js';
import type { SpecMount } from '../oci/runtime-spec.js';
import { resolveInRoot } from '../sys/safe-path.js';
import type { RunInstruction, Stage } from './instructions.js';
import { expandWord } from './expand.js';
import { commandArgv, runCreatedBy } from './stage-config.js';
import { runProcess } from './run-step.js';
import { runMounts } from './run-mounts.js';
import { hashSources, type SourceRoot } from './copy.js';
import { cleanSource, pathExists } from './sources.js';
import { cancelled, type State } from './build-state.js';
import { fromIdentity } from './bases.js';
import type { BuildHost } from './builder.js';

/** Where a `RUN <<EOF` script with a #! line is bound during its step (removed from the layer after). */
const HEREDOC_SCRIPT = '/.hull-heredoc-script';

export async function runStep(b: BuildHost, stage: Stage, state: State, instr: RunInstruction, step: number): Promise<State> {
  const defaults = state.config.config ?? {};
  const argv = commandArgv(instr.command, defaults.Shell);
  const expand = (raw: string) => expandWord(raw, b.vars(state), b.escape);
  const workdir = defaults.WorkingDir || '/';
  const mountKey = JSON.stringify(instr.mounts.map((m) => ({ ...m, ...('target' in m && m.target !== undefined ? { target: expand(m.target) } : {}) })));
  const key = JSON.stringify(['RUN', argv, [...state.args], mountKey, instr.network ?? null, instr.security ?? null]);
  return b.cachedStep(step, state, key, await bindContent(b, instr, stage, expand), () =>
    b.layerState(state, runCreatedBy(instr.original, state.args), `the layer of ${b.where(instr)}`, async (view) => {
      const stepDir = join(b.dir, `step-${step}-${view.id.slice(0, 8)}`);
      mkdirSync(stepDir, { recursive: true, mode: 0o700 });
      try {
        const mounts = await runMounts(instr.mounts, expand, {
          contextDir: b.opts.contextDir,
          fromRoot: (ref) => b.fromRoot(ref, stage),
          cacheDir: (id) => b.deps.cache.mountDir(id),
          secrets: b.opts.secrets ?? {},
          privateDir: stepDir,
          workdir,
        }, b.where(instr));
        const command = runArgv(instr, defaults.Shell, stepDir);
        const { code, stubs } = await runProcess(b.deps.runtime, {
          id: `${b.id.slice(0, 32)}-${step}`,
          hostname: b.id.slice(0, 12),
          rootfs: view.rootfs,
          bundleDir: stepDir,
          args: command.argv,
          imageEnv: defaults.Env ?? [],
          buildArgs: state.args,
          cwd: workdir,
          user: defaults.User,
          net: await b.network(instr.network),
          mounts: [...mounts, ...command.mounts],
          onOutput: (stream, data) => b.emit({ type: 'output', step, stream, data }),
          ...(b.opts.signal ? { signal: b.opts.signal } : {}),
        });
        if (code !== 0 && b.opts.signal?.aborted) throw cancelled(`at STEP ${step} "${instr.original}" (${b.where(instr)})`);
        if (code !== 0) {
          throw new HullError('RUNTIME_FAILED', `Cannot build at STEP ${step} "${instr.original}" (${b.where(instr)}): exit status ${code}`, {
            hint: 'the command failed inside the build; its output is above. Fix the command or the files it needs, then build again (steps before it come from the cache)',
          });
        }
        return stubs;
      } finally {
        rmSync(stepDir, { recursive: true, force: true });
      }
    }),
  );
}

/**
 * What the bind mounts of a RUN step show it, for the step's cache key (BuildKit keys on it too):
 * the content of a context path (names, modes, owners, contents, as COPY hashes them), or the
 * state of the stage or the ID of the image named by from=. Secret and cache mounts stay out.
 */
export async function bindContent(b: BuildHost, instr: RunInstruction, stage: Stage, expand: (raw: string) => string): Promise<string> {
  const parts: string[] = [];
  for (const m of instr.mounts) {
    if (m.type !== 'bind') continue;
    if (m.from !== undefined) {
      parts.push(`from:${await fromIdentity(b, expand(m.from), stage)}`);
      continue;
    }
    const source = expand(m.source ?? '/');
    const root: SourceRoot = { dir: b.opts.contextDir, name: 'the build context', excluded: () => false, skipDir: () => false, keepOwners: true };
    const rel = cleanSource(source).join('/');
    const host = resolveInRoot(root.dir, rel);
    // A missing source fails the step (runMounts), so it is never recorded under this key.
    parts.push(pathExists(host) ? hashSources(root, [{ source, rel, host, isDir: statSync(host).isDirectory() }], {}) : 'missing');
  }
  return parts.length === 0 ? '' : JSON.stringify(parts);
}

/**
 * The RUN command: exec form as written, shell form through SHELL (the parser already put
 * here-documents back into the script). A lone `RUN <<EOF` whose body starts with `#!` is a
 * script file for that interpreter: it is bound into the step and executed, as BuildKit does.
 */
export function runArgv(instr: RunInstruction, shell: string[] | undefined, stepDir: string): { argv: string[]; mounts: SpecMount[] } {
  const only = instr.heredocs.length === 1 ? instr.heredocs[0] : undefined;
  if (instr.command.form === 'shell' && only && instr.command.script === only.content && only.content.startsWith('#!')) {
    const file = join(stepDir, 'heredoc-script');
    writeFileSync(file, only.content, { mode: 0o755 });
    return { argv: [HEREDOC_SCRIPT], mounts: [{ destination: HEREDOC_SCRIPT, type: 'bind', source: file, options: ['rbind', 'ro', 'nosuid', 'nodev'] }] };
  }
  return { argv: commandArgv(instr.command, shell), mounts: [] };
}
