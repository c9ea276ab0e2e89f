import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { HullError } from '../errors.js';
import { toGrpcError } from './errors.js';
import { socketPathOf } from './server.js';

test('HullError codes become the gRPC statuses kubelet branches on; the hint stays in the details', () => {
  const cases: Array<[HullError, status]> = [
    [new HullError('NOT_FOUND', 'Cannot find x'), status.NOT_FOUND],
    [new HullError('INVALID_ARGUMENT', 'Cannot use x'), status.INVALID_ARGUMENT],
    [new HullError('INVALID_REFERENCE', 'Cannot parse x'), status.INVALID_ARGUMENT],
    [new HullError('ALREADY_EXISTS', 'Cannot create x'), status.ALREADY_EXISTS],
    [new HullError('CONFLICT', 'Cannot stop x'), status.FAILED_PRECONDITION],
    [new HullError('UNAUTHORIZED', 'Cannot pull x'), status.UNAUTHENTICATED],
    [new HullError('DENIED', 'Cannot pull x'), status.PERMISSION_DENIED],
    [new HullError('UNSUPPORTED', 'Cannot do x'), status.UNIMPLEMENTED],
    [new HullError('UNAVAILABLE', 'Cannot reach x'), status.UNAVAILABLE],
    [new HullError('RUNTIME_FAILED', 'Cannot start x'), status.UNKNOWN],
  ];
  for (const [err, want] of cases) assert.equal(toGrpcError(err).code, want, err.code);
  assert.equal(toGrpcError(new HullError('NOT_FOUND', 'Cannot find x', { hint: 'pull it' })).details, 'Cannot find x (hint: pull it)');
  assert.deepEqual(toGrpcError(new Error('boom')), { code: status.INTERNAL, details: 'boom' });
});

test('the listen address is a unix socket path', () => {
  assert.equal(socketPathOf('unix:///run/hull/cri.sock'), '/run/hull/cri.sock');
  assert.equal(socketPathOf('/tmp/x.sock'), '/tmp/x.sock');
  assert.throws(() => socketPathOf('tcp://127.0.0.1:1234'), { code: 'INVALID_ARGUMENT' });
});
