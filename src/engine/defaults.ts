/** Where hull keeps its stores when not told otherwise (the CLI's --root/--runroot defaults). */
export const DEFAULT_ROOT = '/var/lib/hull';
export const DEFAULT_RUNROOT = '/run/hull';
