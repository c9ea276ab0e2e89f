/** Security defaults, matching docker's and podman's: what a container gets unless told otherwise. */

/** Docker's default capability set (moby oci/caps/defaults.go): enough for ordinary programs. */
export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
] as const;

/** Paths under /proc and /sys that leak host information or allow attacks; masked (bind of /dev/null or empty tmpfs). */
export const MASKED_PATHS = [
  '/proc/acpi', '/proc/asound', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
] as const;

/** Kernel tunables a container must not change. */
export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'] as const;

/** Used when an image sets no PATH, as docker does. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** rlimits set from the host's hard limits: asking for more fails without CAP_SYS_RESOURCE. */
export const INHERITED_RLIMITS = ['RLIMIT_NOFILE', 'RLIMIT_NPROC'] as const;
