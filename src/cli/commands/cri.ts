/**
 * `hull cri serve`: the Kubernetes CRI (runtime.v1) gRPC server (src/cri) as a front door, for a
 * kubelet's --container-runtime-endpoint. The CLI owns signals and stderr; the server never
 * prints. See docs/kubernetes.md.
 */
import { str } from '../args.js';
import { groupCommand, type Subcommand } from '../group.js';
import { loadCriConfig, serveCri, DEFAULT_CRI_SOCKET } from '../../cri/index.js';
import { registryOptionsFrom } from './registry-options.js';
import { untilInterrupted } from '../interrupt.js';

const serve: Subcommand = {
  usage: '[OPTIONS]',
  maxArgs: 0,
  summary: 'Serve the Kubernetes CRI (RuntimeService, ImageService) until interrupted',
  options: [
    { name: 'listen', type: 'string', valueName: 'URI', description: `unix socket to serve on (default ${DEFAULT_CRI_SOCKET})` },
    { name: 'config', short: 'c', type: 'string', valueName: 'FILE', description: 'TOML config file (flags override it)' },
    { name: 'cni-conf-dir', type: 'string', valueName: 'DIR', description: 'CNI network configurations (default /etc/cni/net.d)' },
    { name: 'cni-bin-dir', type: 'string', valueName: 'DIRS', description: 'CNI plugins, ":"-separated (default /opt/cni/bin:/usr/lib/cni)' },
    { name: 'registries-conf', type: 'string', valueName: 'FILE', description: 'registry mirrors and insecure registries (default /etc/containers/registries.conf)' },
  ],
  async run(ctx, { options }) {
    const config = loadCriConfig(str(options, 'config'), {
      listen: str(options, 'listen'),
      cniConfDir: str(options, 'cni-conf-dir'),
      cniBinDir: str(options, 'cni-bin-dir'),
      registriesConf: str(options, 'registries-conf'),
    });
    const running = await serveCri(ctx.engine(), {
      config,
      // HULL_INSECURE_REGISTRIES and the auth file, as for hull pull.
      registry: registryOptionsFrom({}),
      log: (line) => ctx.stderr.write(`${line}\n`),
    });
    await untilInterrupted();
    await running.close();
    return 0;
  },
};

export default groupCommand({
  name: 'cri',
  summary: 'Serve the Kubernetes Container Runtime Interface (for a kubelet)',
  subs: { serve },
  examples: ['hull cri serve --listen unix:///run/hull/cri.sock', 'kubelet --container-runtime-endpoint unix:///run/hull/cri.sock --cgroup-driver cgroupfs'],
});
