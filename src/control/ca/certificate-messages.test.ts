import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import {
  decodeCertificateRequest, decodeCertificateResponse, encodeCertificateRequest, encodeCertificateResponse,
} from './certificate-messages.js';

// istio/api security/v1alpha1/ca.proto, loaded by protobufjs as an independent codec
const root = protobuf.Root.fromJSON({ nested: protobuf.common.get('google/protobuf/struct.proto')!.nested! });
protobuf.parse(`
syntax = "proto3";
package istio.v1.auth;
import "google/protobuf/struct.proto";
message IstioCertificateRequest { string csr = 1; string subject_id = 2; int64 validity_duration = 3; google.protobuf.Struct metadata = 4; }
message IstioCertificateResponse { repeated string cert_chain = 1; }
`, root, { keepCase: true });
root.resolveAll();
const Request = root.lookupType('istio.v1.auth.IstioCertificateRequest');
const Response = root.lookupType('istio.v1.auth.IstioCertificateResponse');

describe('IstioCertificateService messages', () => {
  it('decodes a request protobufjs encoded, Struct metadata included (string values kept, others named)', () => {
    const bytes = Request.encode(Request.fromObject({
      csr: '-----BEGIN CERTIFICATE REQUEST-----\nx\n', subject_id: 'ignored', validity_duration: 86400,
      metadata: { fields: { ClusterID: { stringValue: 'Kubernetes' }, Count: { numberValue: 3 } } },
    })).finish();
    const req = decodeCertificateRequest(Buffer.from(bytes));
    assert.equal(req.csr, '-----BEGIN CERTIFICATE REQUEST-----\nx\n');
    assert.equal(req.validityDuration, 86400);
    assert.deepEqual([...req.metadata], [['ClusterID', 'Kubernetes'], ['Count', undefined]]);
  });

  it('encodes requests and responses that protobufjs reads back', () => {
    const req = Request.toObject(Request.decode(encodeCertificateRequest({ csr: 'c'.repeat(300), validityDuration: 3600, metadata: { CertSigner: 'x' } })), { longs: Number });
    assert.deepEqual(req, { csr: 'c'.repeat(300), validity_duration: 3600, metadata: { fields: { CertSigner: { stringValue: 'x' } } } });
    const chain = ['leaf\n', 'x'.repeat(1000), 'root\n'];
    assert.deepEqual(Response.toObject(Response.decode(encodeCertificateResponse(chain))), { cert_chain: chain });
    assert.deepEqual(decodeCertificateResponse(encodeCertificateResponse(chain)), chain);
  });

  it('throws on truncated input', () => {
    assert.throws(() => decodeCertificateRequest(Buffer.from([0x0a, 0x05, 0x61])), RangeError);
  });
});
