/**
 * HullError codes as gRPC statuses: the kubelet (and critest) branch on the status code, e.g.
 * NOT_FOUND makes a RemovePodSandbox of a gone sandbox a success on its side. The message keeps
 * hull's text and hint.
 */
import { status, type ServiceError } from '@grpc/grpc-js';
import { HullError, errorMessage, type ErrorCode } from '../errors.js';

const STATUS: Partial<Record<ErrorCode, status>> = {
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  INVALID_REFERENCE: status.INVALID_ARGUMENT,
  INVALID_DIGEST: status.INVALID_ARGUMENT,
  INVALID_FORMAT: status.INVALID_ARGUMENT,
  UNSUPPORTED: status.UNIMPLEMENTED,
  NOT_FOUND: status.NOT_FOUND,
  MANIFEST_UNKNOWN: status.NOT_FOUND,
  BLOB_UNKNOWN: status.NOT_FOUND,
  ALREADY_EXISTS: status.ALREADY_EXISTS,
  CONFLICT: status.FAILED_PRECONDITION,
  UNAUTHORIZED: status.UNAUTHENTICATED,
  DENIED: status.PERMISSION_DENIED,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
  TOO_MANY_REQUESTS: status.RESOURCE_EXHAUSTED,
  LIMIT_EXCEEDED: status.RESOURCE_EXHAUSTED,
  UNAVAILABLE: status.UNAVAILABLE,
};

export interface CriError extends ServiceError {
  code: status;
}

export function grpcStatusOf(code: ErrorCode): status {
  return STATUS[code] ?? status.UNKNOWN;
}

/** Any thrown value as the error a gRPC callback takes. */
export function toGrpcError(err: unknown): Partial<ServiceError> {
  if (err instanceof HullError) {
    return { code: grpcStatusOf(err.code), details: err.hint ? `${err.message} (hint: ${err.hint})` : err.message };
  }
  return { code: status.INTERNAL, details: errorMessage(err) };
}

export function unimplemented(method: string, why: string): Partial<ServiceError> {
  return { code: status.UNIMPLEMENTED, details: `Cannot ${method}: ${why}` };
}
