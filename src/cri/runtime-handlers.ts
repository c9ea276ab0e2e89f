/** The RuntimeService's handlers, from its parts: runtime status, sandboxes, containers, stats and events. */
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { systemHandlers, type RuntimeServiceDeps } from './runtime-service.js';
import { sandboxHandlers } from './sandboxes.js';
import { containerHandlers } from './containers.js';
import { statsEventHandlers } from './stats-events.js';

export function runtimeServiceHandlers(deps: RuntimeServiceDeps): UntypedServiceImplementation {
  return { ...systemHandlers(deps), ...sandboxHandlers(deps.engine, deps.config), ...containerHandlers(deps.engine), ...statsEventHandlers(deps.engine) };
}
