/**
 * The CRI protocol (runtime.v1, api.proto beside this file) loaded for @grpc/grpc-js.
 * One loader for the server, the streaming server and the test client, so every part sees the
 * same field names and value shapes:
 *  - keepCase: fields keep the proto's snake_case names (`pod_sandbox_id`), as in the CRI docs;
 *  - longs as strings: timestamps are int64 nanoseconds, beyond a JS number's exact range;
 *  - enums as their names (`CONTAINER_RUNNING`), defaults filled in, oneofs named.
 * Why grpc-js and proto-loader: they are gRPC's own Node implementation, kept by the gRPC team;
 * loading the published .proto at run time keeps the wire format exactly the CRI's.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPackageDefinition, type GrpcObject } from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';

export const CRI_LOADER_OPTIONS: Options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

/** api.proto's path: beside the compiled module, or in the package's src/ (the bundle and dist/). */
export function criProtoPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    for (const candidate of [join(dir, 'api.proto'), join(dir, 'src', 'cri', 'api.proto')]) if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error('Cannot load the CRI protocol: src/cri/api.proto is missing from the installation');
}

/** The `runtime.v1` package: RuntimeService and ImageService constructors and message types. */
export function loadCriPackage(): GrpcObject {
  const definition = loadSync(criProtoPath(), CRI_LOADER_OPTIONS);
  const root = loadPackageDefinition(definition);
  return (root.runtime as GrpcObject).v1 as GrpcObject;
}
