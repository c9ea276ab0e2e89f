/** docker inspect's NetworkSettings and `hull port`, from the record's wishes and the live sandbox. */
import { fromDockerBindings, type DockerPortBindings, type PortBinding } from './ports.js';
import type { SandboxState } from './sandbox.js';
import type { ContainerNetworkView } from './service.js';

export function livePorts(sandbox: SandboxState | undefined): PortBinding[] {
  return sandbox?.endpoints.flatMap((e) => e.ports) ?? [];
}

export function networkSettingsJson(c: ContainerNetworkView, sandbox: SandboxState | undefined): Record<string, unknown> {
  const wanted = c.NetworkSettings?.Networks ?? {};
  const mode = c.HostConfig.NetworkMode;
  const names = mode === 'none' || mode === 'host' || mode.startsWith('container:') ? [mode.split(':')[0] as string] : [...new Set([mode, ...Object.keys(wanted)])];
  const ports: DockerPortBindings = {};
  for (const p of sandbox ? livePorts(sandbox) : fromDockerBindings(c.HostConfig.PortBindings)) {
    (ports[`${p.containerPort}/${p.protocol}`] ??= []).push({ HostIp: p.hostIp || '0.0.0.0', HostPort: p.hostPort === 0 ? '' : String(p.hostPort) });
  }
  const networks: Record<string, unknown> = {};
  for (const name of names) {
    const e = sandbox?.endpoints.find((x) => x.network === name);
    networks[name] = {
      IPAMConfig: wanted[name]?.IPAMConfig ?? null,
      Aliases: wanted[name]?.Aliases ?? [],
      NetworkID: e?.networkId ?? '',
      Gateway: e?.gateway ?? '',
      IPAddress: e?.ip ?? '',
      IPPrefixLen: e?.prefixLen ?? 0,
      MacAddress: e?.mac ?? '',
    };
  }
  const first = sandbox?.endpoints[0];
  return {
    SandboxID: sandbox ? c.Id : '',
    SandboxKey: sandbox?.netns ?? '',
    Ports: ports,
    Gateway: first?.gateway ?? '',
    IPAddress: first?.ip ?? '',
    IPPrefixLen: first?.prefixLen ?? 0,
    MacAddress: first?.mac ?? '',
    Networks: networks,
  };
}
