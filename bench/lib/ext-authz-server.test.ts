// The benchmark's authorizer is a real gRPC server: @grpc/grpc-js calls its
// Check and gets OK with an empty ok_response.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { decodeBinary, encodeBinary } from '../../src/xds/codec.js';
import { CHECK_PATH, startAllowAuthorizer } from './ext-authz-server.js';

test('answers Check with status OK and an ok_response', async () => {
  const a = await startAllowAuthorizer(0);
  const client = new grpc.Client(`127.0.0.1:${a.port}`, grpc.credentials.createInsecure());
  try {
    const req = Buffer.from(encodeBinary('envoy.service.auth.v3.CheckRequest', { attributes: { request: { http: { method: 'GET', path: '/' } } } }));
    const resp = await new Promise<Buffer>((resolve, reject) =>
      client.makeUnaryRequest(CHECK_PATH, (b: Buffer) => b, (b: Buffer) => b, req, (err, value) => (err ? reject(err) : resolve(value!))),
    );
    const r = decodeBinary<{ status?: { code?: number }; ok_response?: object }>('envoy.service.auth.v3.CheckResponse', resp);
    assert.equal(r.status?.code ?? 0, 0);
    assert.ok(r.ok_response);
    assert.equal(a.checks(), 1);
  } finally {
    client.close();
    await a.close();
  }
});
