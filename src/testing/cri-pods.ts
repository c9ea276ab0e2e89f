/**
 * Test harness: a real `hull cri serve` (cri-service.ts) with a CNI network of its own configured
 * the Kubernetes way (a conflist with the reference bridge, host-local, portmap and loopback
 * plugins; a unique bridge and subnet), and the RuntimeService calls kubelet makes to run a pod
 * sandbox and its containers. `close()` removes the pods, the server, the cgroup parent and the bridge.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HullEnv } from './hull-cli.js';
import { startCriService, type CriService } from './cri-service.js';

export interface CriPod { id: string; config: ReturnType<CriPods['sandboxConfig']> }

export interface CriPods {
  cri: CriService;
  /** Unique per harness: names the bridge, the cgroup parent and the pods' uids. */
  tag: string;
  bridge: string;
  /** The pods' subnet's third octet: 10.213.<net>.0/24. */
  net: number;
  sandboxConfig(name: string, extra?: object): { metadata: { name: string; uid: string; namespace: string; attempt: number }; hostname: string; log_directory: string; labels: Record<string, string>; annotations: Record<string, string>; linux: { cgroup_parent: string } };
  containerConfig(name: string, script: string, extra?: object): object;
  runPod(name: string, extra?: object): Promise<CriPod>;
  /** CreateContainer + StartContainer of busybox `sh -c script`; its id. */
  runContainer(pod: CriPod, name: string, script: string, extra?: object): Promise<string>;
  close(): Promise<void>;
}

export async function startCriPods(env: HullEnv): Promise<CriPods> {
  const tag = Math.random().toString(36).slice(2, 7);
  const bridge = `hcri${tag}`;
  const net = 100 + Math.floor(Math.random() * 150);
  const cri = await startCriService(env, { args: ['--cni-bin-dir', '/nonexistent:/usr/lib/cni:/opt/cni/bin'] });
  writeFileSync(join(cri.cniConfDir, '10-test.conflist'), JSON.stringify({
    cniVersion: '1.0.0',
    name: `crit-${tag}`,
    plugins: [
      { type: 'bridge', bridge, isGateway: true, ipMasq: false, hairpinMode: true, ipam: { type: 'host-local', dataDir: join(env.dir, 'ipam'), ranges: [[{ subnet: `10.213.${net}.0/24` }]], routes: [{ dst: '0.0.0.0/0' }] } },
      { type: 'portmap', capabilities: { portMappings: true }, snat: true },
      { type: 'loopback' },
    ],
  }));
  const sandboxConfig: CriPods['sandboxConfig'] = (name, extra = {}) => ({
    metadata: { name, uid: `uid-${name}-${tag}`, namespace: 'default', attempt: 0 },
    hostname: name,
    log_directory: join(env.dir, 'pods', name),
    labels: { app: name },
    annotations: { 'test/annotation': 'yes' },
    linux: { cgroup_parent: `/hull-crit-${tag}` },
    ...extra,
  });
  const containerConfig = (name: string, script: string, extra: object = {}) => ({ metadata: { name, attempt: 0 }, image: { image: 'busybox' }, command: ['sh', '-c', script], log_path: `${name}/0.log`, labels: { role: name }, annotations: { 'c/annotation': '1' }, ...extra });
  return {
    cri,
    tag,
    bridge,
    net,
    sandboxConfig,
    containerConfig,
    async runPod(name, extra = {}) {
      const config = sandboxConfig(name, extra);
      const { pod_sandbox_id } = await cri.runtime<{ pod_sandbox_id: string }>('RunPodSandbox', { config });
      return { id: pod_sandbox_id, config };
    },
    async runContainer(pod, name, script, extra = {}) {
      const { container_id } = await cri.runtime<{ container_id: string }>('CreateContainer', { pod_sandbox_id: pod.id, config: containerConfig(name, script, extra), sandbox_config: pod.config });
      await cri.runtime('StartContainer', { container_id });
      return container_id;
    },
    async close() {
      cri.close();
      await cri.stop();
      for (const id of (await env.hull(['pod', 'ls', '-q'])).stdout.split('\n').filter(Boolean)) await env.hull(['pod', 'rm', '-f', id]);
      await env.cleanup();
      // kubelet's cgroup parent (made for the pods' cgroups, under each controller).
      execFileSync('sh', ['-c', `for d in /sys/fs/cgroup/*/hull-crit-${tag}; do find "$d" -depth -type d -exec rmdir {} + 2>/dev/null; done; true`]);
      try {
        execFileSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
      } catch {
        // not made
      }
    },
  };
}
