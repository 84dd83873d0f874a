// The node agent's client for Istio's certificate API
// (istio.v1.auth.IstioCertificateService/CreateCertificate) over TLS with
// grpc-js, as istio-agent calls istiod: the server must present a
// certificate for `serverName` that chains to the mesh roots the agent was
// given, and the caller proves who it is with a bearer token read from a
// file on every call (the file may be replaced at any time).
//
// One channel per call, closed after it: calls are rare (twice a lifetime),
// and a fresh channel never inherits grpc-js's reconnect back-off from a CA
// that was down, so the agent's own retry schedule is the only one.
import * as grpc from '@grpc/grpc-js';
import fs from 'node:fs';
import { certificateClientDefinition } from '../control/ca/certificate-service.js';

type Request = { csr: string; validityDuration?: number; metadata?: Record<string, string> };
type Client = grpc.Client & {
  CreateCertificate(req: Request, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, chain?: string[]) => void): void;
};

let ClientCtor: grpc.ServiceClientConstructor | undefined;

export interface CaClientOptions {
  /** host:port of the CA (istio-agent's CA_ADDR). */
  address: string;
  /** Name the CA's certificate must carry (and the :authority sent). */
  serverName: string;
  /** Bearer token file, read on every call. */
  tokenFile: string;
  callTimeoutMs: number;
}

/** Why a call failed, with a stable code for logs and tests. */
export class CaCallError extends Error {
  constructor(
    /** CA_UNAVAILABLE (connect, TLS, server down), CA_REFUSED (the CA answered with an error), TOKEN_UNREADABLE, CHAIN_INVALID. */
    readonly code: 'CA_UNAVAILABLE' | 'CA_REFUSED' | 'TOKEN_UNREADABLE' | 'CHAIN_INVALID',
    message: string,
    /** The gRPC status when the CA answered. */
    readonly grpcCode?: grpc.status,
  ) {
    super(message);
  }
}

export class CaClient {
  constructor(private readonly options: CaClientOptions) {}

  /** Sends `csr` and returns Istio's cert_chain (leaf first, root last). `rootsPem` is what the CA server must chain to. */
  async createCertificate(csr: string, validitySeconds: number, rootsPem: string): Promise<string[]> {
    const o = this.options;
    let token: string;
    try {
      token = fs.readFileSync(o.tokenFile, 'utf8').trim();
    } catch (e) {
      throw new CaCallError('TOKEN_UNREADABLE', `cannot read token file ${o.tokenFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    ClientCtor ??= grpc.makeGenericClientConstructor(certificateClientDefinition(), 'IstioCertificateService');
    const client = new ClientCtor(o.address, grpc.credentials.createSsl(Buffer.from(rootsPem)), {
      'grpc.ssl_target_name_override': o.serverName,
      'grpc.default_authority': o.serverName,
    }) as unknown as Client;
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${token}`);
    try {
      return await new Promise<string[]>((resolve, reject) => {
        client.CreateCertificate({ csr, validityDuration: validitySeconds }, md, { deadline: Date.now() + o.callTimeoutMs }, (err, chain) => {
          if (err) {
            const unavailable = err.code === grpc.status.UNAVAILABLE || err.code === grpc.status.DEADLINE_EXCEEDED;
            reject(new CaCallError(unavailable ? 'CA_UNAVAILABLE' : 'CA_REFUSED', `${grpc.status[err.code]}: ${err.details}`, err.code));
          } else if (!chain || chain.length < 2) {
            reject(new CaCallError('CHAIN_INVALID', `the CA answered ${chain?.length ?? 0} certificates; a leaf and a root are needed`));
          } else resolve(chain);
        });
      });
    } finally {
      client.close();
    }
  }
}
