/**
 * What the door needs to enter rootless mode (cli/rootless.ts): the user's namespace and its pause
 * process (sys/userns.ts). Light on purpose: the door loads it before deciding to open an engine.
 */
export { ensurePauseProcess, inUserNamespace } from '../sys/userns.js';
