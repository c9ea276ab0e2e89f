import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { str } from '../args.js';
import type { Command } from '../command.js';
import { renderTemplate } from '../output.js';
import { hullVersion } from '../../version.js';
import { execCapture } from '../../sys/exec.js';
import { readDriverReason } from '../../snapshots/select.js';

function cgroupVersion(): string {
  return existsSync('/sys/fs/cgroup/cgroup.controllers') ? '2' : '1';
}

const info: Command = {
  name: 'info',
  summary: 'Show how hull is set up on this host',
  usage: '[OPTIONS]',
  options: [{ name: 'format', short: 'f', type: 'string', valueName: 'FORMAT', description: 'json, or a Go-style template such as {{.Driver}}' }],
  maxArgs: 0,
  async run(ctx, { options }) {
    const engine = ctx.engine();
    const snapshotter = await engine.snapshotter();
    const containers = engine.containers.list(true);
    const runtimeVersion = (await execCapture([engine.runtime.binary, '--version']).catch(() => ({ stdout: 'not found' }))).stdout.split('\n')[0];
    const data = {
      Version: hullVersion(),
      Root: engine.options.root,
      RunRoot: engine.options.runroot,
      Driver: snapshotter.driver,
      DriverReason: (await readDriverReason(engine.options.root)) ?? '',
      Runtime: engine.runtime.binary,
      RuntimeVersion: runtimeVersion,
      CgroupVersion: cgroupVersion(),
      Kernel: release(),
      OperatingSystem: (/PRETTY_NAME="([^"]*)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1]) ?? 'unknown',
      Images: engine.images.list().length,
      Containers: containers.length,
      ContainersRunning: containers.filter((c) => c.State.Status === 'running').length,
      ContainersStopped: containers.filter((c) => c.State.Status === 'exited').length,
      Isolation: 'pid, mount, uts, ipc and network namespaces; default capability set; masked /proc and /sys paths; no-new-privileges',
    };
    const format = str(options, 'format');
    if (format === 'json') ctx.stdout.write(JSON.stringify(data, null, 2) + '\n');
    else if (format !== undefined) ctx.stdout.write(renderTemplate(format, data) + '\n');
    else {
      const width = Math.max(...Object.keys(data).map((k) => k.length));
      ctx.stdout.write(Object.entries(data).map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${String(v)}\n`).join(''));
    }
    return 0;
  },
};

export default info;
