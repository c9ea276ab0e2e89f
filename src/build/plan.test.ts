import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Containerfile, Instruction, Stage } from './instructions.js';
import { findStage, planStages, stageName, targetStage } from './plan.js';

const loc = (line: number) => ({ line, original: '' });
function stage(index: number, image: string, alias: string | undefined, instructions: Instruction[] = []): Stage {
  return { index, from: { kind: 'FROM', ...loc(index + 1), image, ...(alias ? { alias } : {}) }, instructions };
}
const copyFrom = (from: string): Instruction => ({ kind: 'COPY', ...loc(1), sources: ['/x'], dest: '/x', from, link: false, heredocs: [] });

const file: Containerfile = {
  file: 'Containerfile',
  escape: '\\',
  globalArgs: [],
  stages: [
    stage(0, 'busybox', 'deps'),
    stage(1, 'deps', 'build', [copyFrom('tools')]),
    stage(2, 'busybox', 'tools'),
    stage(3, 'busybox', 'unused'),
    stage(4, 'busybox', undefined, [copyFrom('build'), copyFrom('docker.io/library/alpine')]),
  ],
};
const refs = (s: Stage) => [s.from.image, ...s.instructions.flatMap((i) => (i.kind === 'COPY' && i.from ? [i.from] : []))];

test('only the stages the target needs, in file order', () => {
  // Stage 1's --from=tools is no stage (tools comes later): an image; so tools is not needed.
  assert.deepEqual(planStages(file, targetStage(file, undefined), refs).map(stageName), ['deps', 'build', '4']);
  assert.deepEqual(planStages(file, targetStage(file, 'build'), refs).map(stageName), ['deps', 'build']);
  assert.deepEqual(planStages(file, targetStage(file, 'unused'), refs).map(stageName), ['unused']);
});

test('a COPY --from of a later stage is not a stage: it names an image', () => {
  // "tools" is stage 2, after "build" (1): inside stage 1 it can only be an image.
  assert.equal(findStage(file, 'tools', 1), undefined);
  assert.deepEqual(planStages(file, targetStage(file, 'build'), refs).map(stageName), ['deps', 'build']);
});

test('stages by alias (case-insensitive) or index; an unknown target names the stages', () => {
  assert.equal(findStage(file, 'DEPS')?.index, 0);
  assert.equal(findStage(file, '3')?.index, 3);
  assert.throws(() => targetStage(file, 'nope'), /Cannot build target "nope".*/);
  assert.throws(() => targetStage({ ...file, stages: [] }, undefined), /no FROM instruction/);
});
