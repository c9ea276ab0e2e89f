/**
 * `hull system check` through the engine: wires the store check (check/store-check.ts) to this
 * engine's stores, its build reaper and its container pauses, so front ends call one function.
 */
import { checkStore, type CheckOptions, type CheckReport } from '../check/store-check.js';
import { reapDeadBuilds } from '../build/views.js';
import { ContainerStore } from '../containers/container-store.js';
import { ImageStore } from '../images/image-store.js';
import type { Engine } from './engine.js';

export type { CheckOptions, CheckReport, Finding } from '../check/store-check.js';

export async function checkEngineStore(engine: Engine, opts: CheckOptions = {}): Promise<CheckReport> {
  const { root, runroot } = engine.options;
  const snapshotter = await engine.snapshotter();
  const containers = engine.containers;
  return checkStore(
    {
      root,
      runroot,
      content: engine.content,
      images: new ImageStore(root),
      snapshotter,
      containers: () => new ContainerStore(root).list().map((r) => containers.inspect(r.Id)),
      reapDeadBuilds: () => reapDeadBuilds(runroot, snapshotter, engine.runtime),
      releasePause: (id) => containers.releaseOrphanedPause(id),
      finishRemoval: (id) => containers.remove(id, { force: true }),
    },
    opts,
  );
}
