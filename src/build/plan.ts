/**
 * Which stages a build runs, pure. The target (--target, else the last stage) is needed; so is
 * every earlier stage it names in `FROM <stage>`, `COPY --from=<stage>` or `RUN --mount=from=<stage>`,
 * and theirs in turn. The others are skipped, as BuildKit skips them (the classic builder ran all).
 * A stage is named by its `AS` alias (case-insensitive) or by its 0-based index.
 */
import { HullError } from '../errors.js';
import type { Containerfile, Stage } from './instructions.js';

export function stageName(stage: Stage): string {
  return stage.from.alias ?? String(stage.index);
}

/** The stage `ref` names among the stages before `before` (a stage can only use earlier ones). */
export function findStage(file: Containerfile, ref: string, before = file.stages.length): Stage | undefined {
  const lower = ref.toLowerCase();
  const earlier = file.stages.slice(0, before);
  const byName = earlier.find((s) => s.from.alias === lower);
  if (byName) return byName;
  return /^\d+$/.test(ref) ? earlier[Number(ref)] : undefined;
}

/** The stage --target names (or the last one). */
export function targetStage(file: Containerfile, target: string | undefined): Stage {
  if (file.stages.length === 0) throw new HullError('INVALID_ARGUMENT', `Cannot build "${file.file}": it has no FROM instruction`, { hint: 'a Containerfile starts with FROM IMAGE (after optional ARGs)' });
  if (target === undefined) return file.stages[file.stages.length - 1] as Stage;
  const stage = findStage(file, target);
  if (!stage) {
    const names = file.stages.map(stageName).join(', ');
    throw new HullError('NOT_FOUND', `Cannot build target "${target}": no stage of that name in "${file.file}"`, { hint: `the stages are: ${names}` });
  }
  return stage;
}

/**
 * The stages needed for `target`, in file order. `refsOf(stage)` lists what the stage names (its
 * FROM image and every --from), already expanded; a name that is no earlier stage is an image.
 */
export function planStages(file: Containerfile, target: Stage, refsOf: (stage: Stage) => string[]): Stage[] {
  const needed = new Set<number>();
  const visit = (stage: Stage): void => {
    if (needed.has(stage.index)) return;
    needed.add(stage.index);
    for (const ref of refsOf(stage)) {
      const dep = findStage(file, ref, stage.index);
      if (dep) visit(dep);
    }
  };
  visit(target);
  return file.stages.filter((s) => needed.has(s.index));
}
