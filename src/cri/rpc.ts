/**
 * Unary and server-streaming handlers from async functions: a thrown HullError becomes its gRPC
 * status (errors.ts), anything else INTERNAL. Requests arrive as plain objects shaped by the
 * shared loader options (proto.ts: snake_case fields, int64 as strings, enums as names).
 */
import type { sendUnaryData, ServerUnaryCall, ServerWritableStream, UntypedHandleCall } from '@grpc/grpc-js';
import { toGrpcError, unimplemented } from './errors.js';

/** A CRI message as the loader gives it; the handlers read the fields they use through messages.ts. */
export type Message = object;

export function unary<Req extends Message, Res extends Message>(fn: (req: Req) => Promise<Res> | Res): UntypedHandleCall {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    Promise.resolve()
      .then(() => fn(call.request))
      .then(
        (res) => callback(null, res),
        (err: unknown) => callback(toGrpcError(err)),
      );
  };
}

/** A server stream fed by `fn` until the client cancels (the AbortSignal) or `fn` returns. */
export function serverStream<Req extends Message, Res extends Message>(fn: (req: Req, write: (res: Res) => void, signal: AbortSignal) => Promise<void>): UntypedHandleCall {
  return (call: ServerWritableStream<Req, Res>) => {
    const controller = new AbortController();
    call.on('cancelled', () => controller.abort());
    call.on('close', () => controller.abort());
    fn(call.request, (res) => call.write(res), controller.signal).then(
      () => call.end(),
      (err: unknown) => (controller.signal.aborted ? call.end() : call.destroy(Object.assign(new Error('stream failed'), toGrpcError(err)))),
    );
  };
}

export function notImplemented(method: string, why: string): UntypedHandleCall {
  return (call: { emit(event: 'error', err: object): boolean }, callback?: sendUnaryData<Message>) => {
    if (typeof callback === 'function') callback(unimplemented(method, why));
    else call.emit('error', unimplemented(method, why));
  };
}
