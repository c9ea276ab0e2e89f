/** Every scenario, in the order they run and appear in docs/benchmarks.md. */
import type { Scenario } from '../lib/context.js';
import { api } from './api.js';
import { build } from './build.js';
import { compose } from './compose.js';
import { cri } from './cri.js';
import { health } from './health.js';
import { idleMemory } from './idle-memory.js';
import { kube } from './kube.js';
import { list } from './list.js';
import { network } from './network.js';
import { podIdleMemory } from './pod-idle-memory.js';
import { pull } from './pull.js';
import { push } from './push.js';
import { registry } from './registry.js';
import { registryProxy } from './registry-proxy.js';
import { registryS3 } from './registry-s3.js';
import { rootless } from './rootless.js';
import { rootlessStorage } from './rootless-storage.js';
import { start } from './start.js';
import { unpack } from './unpack.js';

export const SCENARIOS: readonly Scenario[] = [start, pull, push, unpack, registry, registryS3, registryProxy, build, idleMemory, podIdleMemory, list, network, health, compose, kube, api, cri, rootless, rootlessStorage];
