/**
 * The requests front doors send to the engine, in one place: the CLI, the Docker API, compose,
 * kube and the CRI build these and nothing else. Types only; the engine checks every field.
 *
 *   containers.create(ContainerCreateRequest)   Docker's ContainerCreate body (create-request.ts)
 *   containers.start(id, {attach})              attach streams (AttachIO) connected before start
 *   containers.attach(id, AttachIO, signal)     before start too: joined by the next start
 *   containers.wait(id, WaitCondition)          not-running | next-exit | removed -> WaitResult
 *   containers.exec(id, ExecOptions, ExecIO)    fds passed through or streams piped; a TTY as streams + resize
 *   containers.update(id, UpdateRequest)        Docker's ContainerUpdate body: limits, restart policy
 *   ensureImage(ref, EnsureImageOptions)        pull policy: missing | always | never
 */
export type {
  ContainerCreateRequest,
  CreateConfig,
  CreateHostConfig,
  DeviceMapping,
  DockerMount,
  EndpointConfig,
  HealthConfig,
  LogConfig,
  RestartPolicy,
} from '../containers/create-request.js';
export type { WaitCondition, WaitResult } from '../containers/wait.js';
export type { UpdateRequest } from '../containers/update.js';
export type { ExecIO, ExecOptions, ExecStream, TerminalControl, TerminalSize } from '../containers/exec.js';
export type { AttachIO, Attachment } from '../runtime/attach.js';
export type { LogOptions, LogRecord } from '../containers/logs.js';
export type { TopResult } from '../containers/top.js';
export type { EventFilter, HullEvent } from '../events/event-log.js';
export type { StatsSample } from '../containers/stats.js';
export type { ContainerRecord, ContainerStatus } from '../containers/record.js';
export { CONTAINER_FILTER_KEYS } from '../containers/filters.js';
export type { EnsureImageOptions, PullPolicy } from './ensure-image.js';
