/**
 * The normalised compose model: every short syntax turned into its long form, paths absolute,
 * sizes in bytes, durations as Go-style strings, with the Compose Specification's key names so
 * that `hull compose config` prints what `docker compose config` prints for the same file.
 */

export interface PortConfig {
  mode: 'ingress' | 'host';
  host_ip?: string;
  target: number;
  /** A port or a range ("8000-8010"), as a string like Compose's; absent: an ephemeral port. */
  published?: string;
  protocol: 'tcp' | 'udp' | 'sctp';
  app_protocol?: string;
  name?: string;
}

export interface VolumeMount {
  type: 'bind' | 'volume' | 'tmpfs';
  /** bind: an absolute host path; volume: the project-level volume key (absent: anonymous). */
  source?: string;
  target: string;
  read_only?: boolean;
  consistency?: string;
  bind?: { propagation?: string; create_host_path?: boolean; selinux?: 'z' | 'Z' };
  volume?: { nocopy?: boolean; subpath?: string };
  tmpfs?: { size?: number; mode?: number };
}

export interface DependsOn {
  condition: 'service_started' | 'service_healthy' | 'service_completed_successfully';
  required: boolean;
  restart: boolean;
}

export interface Healthcheck {
  test?: string[];
  interval?: string;
  timeout?: string;
  retries?: number;
  start_period?: string;
  start_interval?: string;
  disable?: boolean;
}

export interface BuildConfig {
  context: string;
  dockerfile?: string;
  dockerfile_inline?: string;
  args?: Record<string, string | null>;
  target?: string;
  labels?: Record<string, string>;
  no_cache?: boolean;
  pull?: boolean;
  [other: string]: unknown;
}

export interface FileReference {
  source: string;
  target?: string;
  uid?: string;
  gid?: string;
  mode?: number;
}

export interface ServiceNetwork {
  aliases?: string[];
  ipv4_address?: string;
  ipv6_address?: string;
  priority?: number;
}

export interface ServiceConfig {
  image?: string;
  build?: BuildConfig;
  command?: string[] | null;
  entrypoint?: string[] | null;
  environment?: Record<string, string | null>;
  env_file?: { path: string; required: boolean }[];
  ports?: PortConfig[];
  expose?: string[];
  volumes?: VolumeMount[];
  tmpfs?: string[];
  networks?: Record<string, ServiceNetwork | null>;
  network_mode?: string;
  depends_on?: Record<string, DependsOn>;
  healthcheck?: Healthcheck;
  restart?: string;
  deploy?: { replicas?: number; resources?: { limits?: { cpus?: string; memory?: number; pids?: number }; reservations?: { cpus?: string; memory?: number } }; [other: string]: unknown };
  scale?: number;
  user?: string;
  working_dir?: string;
  hostname?: string;
  domainname?: string;
  init?: boolean;
  read_only?: boolean;
  cap_add?: string[];
  cap_drop?: string[];
  security_opt?: string[];
  privileged?: boolean;
  ulimits?: Record<string, { soft: number; hard: number }>;
  sysctls?: Record<string, string>;
  extra_hosts?: string[];
  dns?: string[];
  dns_search?: string[];
  dns_opt?: string[];
  labels?: Record<string, string>;
  stop_signal?: string;
  stop_grace_period?: string;
  tty?: boolean;
  stdin_open?: boolean;
  shm_size?: number;
  secrets?: FileReference[];
  configs?: FileReference[];
  container_name?: string;
  pull_policy?: string;
  profiles?: string[];
  mem_limit?: number;
  cpus?: string;
  pids_limit?: number;
  platform?: string;
  /** Keys of the Compose Specification that hull reads but cannot run yet (`up` refuses them). */
  [other: string]: unknown;
}

export interface NetworkConfig {
  name: string;
  driver?: string;
  driver_opts?: Record<string, string>;
  ipam?: { driver?: string; config?: { subnet?: string; ip_range?: string; gateway?: string }[] };
  internal?: boolean;
  external?: boolean;
  attachable?: boolean;
  enable_ipv6?: boolean;
  labels?: Record<string, string>;
}

export interface VolumeConfig {
  name: string;
  driver?: string;
  driver_opts?: Record<string, string>;
  external?: boolean;
  labels?: Record<string, string>;
}

export interface FileObjectConfig {
  name: string;
  file?: string;
  environment?: string;
  content?: string;
  external?: boolean;
}

/** What `docker compose config` prints: the model itself. */
export interface ComposeModel {
  name: string;
  services: Record<string, ServiceConfig>;
  networks?: Record<string, NetworkConfig>;
  volumes?: Record<string, VolumeConfig>;
  secrets?: Record<string, FileObjectConfig>;
  configs?: Record<string, FileObjectConfig>;
}

/** The model with what the loader learnt on the way. */
export interface ComposeProject {
  model: ComposeModel;
  /** The project directory (relative paths in the first file resolve against it). */
  workingDir: string;
  configFiles: string[];
  /** The variables the files were interpolated with. */
  environment: Record<string, string>;
  /** Services left out because none of their profiles is active. */
  disabledServices: Record<string, ServiceConfig>;
  /** What Compose would warn about (an unset variable, an obsolete `version`). */
  warnings: string[];
}
