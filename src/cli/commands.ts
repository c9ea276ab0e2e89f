/**
 * The command table. Modules load lazily: `hull ps` imports only what ps needs, which keeps the
 * CLI's start-up close to Node's own (~60 ms here) — every container start pays it.
 */
import type { Command } from './command.js';

export interface CommandEntry {
  summary: string;
  load: () => Promise<Command>;
  /** Not listed in `hull --help` (internal plumbing such as the monitor's cleanup call). */
  hidden?: boolean;
}

type LifecycleName = keyof typeof import('./commands/lifecycle.js');
const lifecycle = (name: LifecycleName) => async () => (await import('./commands/lifecycle.js'))[name];

export const COMMANDS: Record<string, CommandEntry> = {
  run: { summary: 'Create and run a container', load: async () => (await import('./commands/run.js')).default },
  create: { summary: 'Create a container without starting it', load: async () => (await import('./commands/create.js')).default },
  start: { summary: 'Start one or more stopped containers', load: lifecycle('start') },
  stop: { summary: 'Stop one or more running containers', load: lifecycle('stop') },
  restart: { summary: 'Restart one or more containers', load: lifecycle('restart') },
  kill: { summary: 'Send a signal to one or more running containers', load: lifecycle('kill') },
  wait: { summary: 'Wait for containers to stop and print their exit codes', load: lifecycle('wait') },
  pause: { summary: 'Pause all processes within containers', load: lifecycle('pause') },
  unpause: { summary: 'Unpause all processes within containers', load: lifecycle('unpause') },
  rename: { summary: 'Rename a container', load: lifecycle('rename') },
  port: { summary: 'List port mappings of a container', load: lifecycle('port') },
  logs: { summary: "Fetch a container's logs", load: async () => (await import('./commands/logs.js')).default },
  exec: { summary: 'Run a command in a running container', load: async () => (await import('./commands/exec.js')).default },
  cp: { summary: 'Copy files between a container and the host', load: async () => (await import('./commands/cp.js')).default },
  top: { summary: 'Display the running processes of a container', load: async () => (await import('./commands/top-stats.js')).top },
  stats: { summary: 'Display resource usage of running containers', load: async () => (await import('./commands/top-stats.js')).stats },
  commit: { summary: "Create a new image from a container's changes", load: async () => (await import('./commands/commit-export.js')).commit },
  export: { summary: "Export a container's filesystem as a tar archive", load: async () => (await import('./commands/commit-export.js')).exportCmd },
  diff: { summary: "List the changes to a container's filesystem", load: async () => (await import('./commands/commit-export.js')).diff },
  attach: { summary: "Attach to a running container's input and output", load: async () => (await import('./commands/attach.js')).default },
  'container-prune': { summary: 'Remove all stopped containers', load: lifecycle('prune'), hidden: true },
  'container-cleanup': { summary: 'Record the exit of a container (run by its monitor)', load: lifecycle('cleanup'), hidden: true },
  update: { summary: 'Update resource limits and the restart policy of containers', load: async () => (await import('./commands/update.js')).update },
  'healthcheck-run': { summary: "Run a container's health check now", load: async () => (await import('./commands/health.js')).healthcheckRun, hidden: true },
  'system-restore': { summary: 'Start the containers a reboot stopped', load: async () => (await import('./commands/health.js')).restore, hidden: true },
  'health-scheduler': { summary: 'The store\'s probe and restart scheduler (started by hull)', load: async () => (await import('./commands/health.js')).healthScheduler, hidden: true },
  ps: { summary: 'List containers', load: async () => (await import('./commands/ps.js')).default },
  rm: { summary: 'Remove one or more containers', load: async () => (await import('./commands/rm.js')).default },
  images: { summary: 'List images', load: async () => (await import('./commands/images.js')).default },
  pull: { summary: 'Download an image from a registry', load: async () => (await import('./commands/pull.js')).default },
  push: { summary: 'Upload an image to a registry', load: async () => (await import('./commands/push.js')).default },
  manifest: { summary: 'Manage manifest lists (multi-platform images)', load: async () => (await import('./commands/manifest.js')).default },
  login: { summary: 'Log in to a registry', load: async () => (await import('./commands/login.js')).default },
  logout: { summary: 'Log out of a registry', load: async () => (await import('./commands/logout.js')).default },
  import: { summary: 'Import a root filesystem tarball as an image', load: async () => (await import('./commands/import.js')).default },
  save: { summary: 'Save one or more images to a tar archive', load: async () => (await import('./commands/save.js')).default },
  load: { summary: 'Load images from a tar archive or STDIN', load: async () => (await import('./commands/load.js')).default },
  history: { summary: 'Show the history of an image', load: async () => (await import('./commands/history.js')).default },
  'image-prune': { summary: 'Remove unused images', load: async () => (await import('./commands/image-prune.js')).default, hidden: true },
  'system-df': { summary: 'Show disk usage', load: async () => (await import('./commands/system.js')).default, hidden: true },
  'system-service': { summary: 'Serve the Docker Engine API', load: async () => (await import('./commands/system-service.js')).default, hidden: true },
  'system-prune': { summary: 'Remove unused data', load: async () => (await import('./commands/system-prune.js')).default, hidden: true },
  'system-check': { summary: 'Check the store for damage and leftovers', load: async () => (await import('./commands/system-check.js')).default, hidden: true },
  build: { summary: 'Build an image from a Containerfile or Dockerfile', load: async () => (await import('./commands/build.js')).build },
  'builder-prune': { summary: 'Remove the build cache', load: async () => (await import('./commands/build.js')).builderPrune, hidden: true },
  tag: { summary: 'Give an image another name', load: async () => (await import('./commands/tag.js')).default },
  rmi: { summary: 'Remove one or more images', load: async () => (await import('./commands/rmi.js')).default },
  inspect: { summary: 'Show low-level information on containers or images as JSON', load: async () => (await import('./commands/inspect.js')).default },
  network: { summary: 'Manage networks', load: async () => (await import('./commands/network.js')).default },
  kube: { summary: 'Play Kubernetes YAML as pods, remove them, generate YAML', load: async () => (await import('./commands/kube.js')).default },
  pod: { summary: 'Manage pods', load: async () => (await import('./commands/pod.js')).default },
  volume: { summary: 'Manage volumes', load: async () => (await import('./commands/volume.js')).default },
  compose: { summary: 'Define and run multi-container applications from compose files', load: async () => (await import('./commands/compose.js')).default },
  events: { summary: 'Show what happened to containers, images and volumes', load: async () => (await import('./commands/events.js')).default },
  cri: { summary: 'Serve the Kubernetes CRI for a kubelet (serve)', load: async () => (await import('./commands/cri.js')).default },
  registry: { summary: 'Run an OCI Distribution registry (serve, gc)', load: async () => (await import('./commands/registry.js')).default },
  unshare: { summary: "Run a command in the rootless user's namespace", load: async () => (await import('./commands/unshare.js')).default },
  info: { summary: 'Show how hull is set up on this host', load: async () => (await import('./commands/info.js')).default },
  version: { summary: 'Show the hull version', load: async () => (await import('./commands/version.js')).default },
  completion: { summary: 'Print a shell completion script (bash, zsh or fish)', load: async () => (await import('./commands/completion.js')).default },
};

/** `hull image ls` and `hull container rm` spell the same commands by object, as docker allows. */
export const GROUPS: Record<string, Record<string, string>> = {
  image: { ls: 'images', list: 'images', rm: 'rmi', remove: 'rmi', import: 'import', tag: 'tag', inspect: 'inspect', pull: 'pull', push: 'push',
    save: 'save', load: 'load', history: 'history', prune: 'image-prune' },
  system: { df: 'system-df', prune: 'system-prune', check: 'system-check', info: 'info', restore: 'system-restore', service: 'system-service' },
  healthcheck: { run: 'healthcheck-run' },
  builder: { prune: 'builder-prune', build: 'build' },
  container: {
    ls: 'ps', list: 'ps', rm: 'rm', remove: 'rm', run: 'run', inspect: 'inspect', create: 'create', start: 'start', stop: 'stop',
    restart: 'restart', kill: 'kill', wait: 'wait', pause: 'pause', unpause: 'unpause', rename: 'rename', port: 'port', logs: 'logs',
    update: 'update', exec: 'exec', attach: 'attach', prune: 'container-prune', cleanup: 'container-cleanup', cp: 'cp', top: 'top', stats: 'stats', commit: 'commit', export: 'export', diff: 'diff',
  },
};
