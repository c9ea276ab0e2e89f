/** The CRI door: `hull cri serve` (src/cli/commands/cri.ts) starts it. */
export { serveCri, socketPathOf, type CriServeOptions, type RunningCri } from './server.js';
export { loadCriConfig, parseCriConfig, DEFAULT_CRI_SOCKET, DEFAULT_CRI_CONFIG, type CriConfig } from './config.js';
export type { StreamingUrls } from './runtime-service.js';
