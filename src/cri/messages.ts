/**
 * The CRI messages (api.proto, runtime.v1) as the shared loader hands them over (proto.ts):
 * snake_case fields, int64/uint64 as decimal strings, enums as their names, unset messages null.
 * Only the fields hull reads or writes; the proto is the reference.
 */

export interface ImageSpec {
  image?: string;
  annotations?: Record<string, string>;
  user_specified_image?: string;
  runtime_handler?: string;
}

export interface AuthConfig {
  username?: string;
  password?: string;
  auth?: string;
  server_address?: string;
  identity_token?: string;
  registry_token?: string;
}

export interface CriImage {
  id: string;
  repo_tags: string[];
  repo_digests: string[];
  /** uint64 as a string. */
  size: string;
  uid?: { value: string };
  username: string;
  spec: ImageSpec;
  pinned: boolean;
}

export interface KeyValue {
  key: string;
  value: string;
}

export interface Int64Value {
  value: string;
}

export interface CriSecurityProfile {
  profile_type?: 'RuntimeDefault' | 'Unconfined' | 'Localhost';
  localhost_ref?: string;
}

export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';

export interface CriNamespaceOption {
  network?: NamespaceMode;
  pid?: NamespaceMode;
  ipc?: NamespaceMode;
  target_id?: string;
}

export interface CriResources {
  cpu_period?: string;
  cpu_quota?: string;
  cpu_shares?: string;
  memory_limit_in_bytes?: string;
  oom_score_adj?: string;
  cpuset_cpus?: string;
  cpuset_mems?: string;
  memory_swap_limit_in_bytes?: string;
  hugepage_limits?: Array<{ page_size: string; limit: string }>;
  unified?: Record<string, string>;
}

export interface CriMount {
  container_path?: string;
  host_path?: string;
  readonly?: boolean;
  propagation?: 'PROPAGATION_PRIVATE' | 'PROPAGATION_HOST_TO_CONTAINER' | 'PROPAGATION_BIDIRECTIONAL';
}

export interface CriContainerSecurityContext {
  capabilities?: { add_capabilities?: string[]; drop_capabilities?: string[] } | null;
  privileged?: boolean;
  namespace_options?: CriNamespaceOption | null;
  run_as_user?: Int64Value | null;
  run_as_group?: Int64Value | null;
  run_as_username?: string;
  readonly_rootfs?: boolean;
  supplemental_groups?: string[];
  no_new_privs?: boolean;
  masked_paths?: string[];
  readonly_paths?: string[];
  seccomp?: CriSecurityProfile | null;
  apparmor?: CriSecurityProfile | null;
  apparmor_profile?: string;
  seccomp_profile_path?: string;
}

export interface ContainerMetadata {
  name?: string;
  attempt?: number;
}

export interface CriContainerConfig {
  metadata?: ContainerMetadata | null;
  image?: ImageSpec | null;
  command?: string[];
  args?: string[];
  working_dir?: string;
  envs?: Array<{ key: string; value: string }>;
  mounts?: CriMount[];
  devices?: Array<{ container_path: string; host_path: string; permissions: string }>;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  log_path?: string;
  stdin?: boolean;
  stdin_once?: boolean;
  tty?: boolean;
  linux?: { resources?: CriResources | null; security_context?: CriContainerSecurityContext | null } | null;
  stop_signal?: string;
}

export interface PodSandboxMetadata {
  name?: string;
  uid?: string;
  namespace?: string;
  attempt?: number;
}

export interface CriSandboxConfig {
  metadata?: PodSandboxMetadata | null;
  hostname?: string;
  log_directory?: string;
  dns_config?: { servers?: string[]; searches?: string[]; options?: string[] } | null;
  port_mappings?: Array<{ protocol?: 'TCP' | 'UDP' | 'SCTP'; container_port?: number; host_port?: number; host_ip?: string }>;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  linux?: {
    cgroup_parent?: string;
    security_context?: { namespace_options?: CriNamespaceOption | null; privileged?: boolean; readonly_rootfs?: boolean } | null;
    sysctls?: Record<string, string>;
    resources?: CriResources | null;
    overhead?: CriResources | null;
  } | null;
}
