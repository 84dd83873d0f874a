// istio.v1.auth.IstioCertificateService/CreateCertificate: authenticates the
// caller (a bearer token from the TokenRegistry, else, in Kubernetes mode, a
// service-account token checked with the TokenReview API), then has the CA
// sign the CSR for the caller's identity. Status codes and counters follow
// Istio's server (security/pkg/server/ca/server.go): UNAUTHENTICATED for a
// failed authentication, INVALID_ARGUMENT for a bad CSR or TTL; weft adds
// PERMISSION_DENIED for a CSR that names an identity other than the caller's.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../common/log.js';
import { CaError, CsrError } from './ca-error.js';
import type { CertificateAuthority } from './certificate-authority.js';
import {
  CREATE_CERTIFICATE_METHOD, CREATE_CERTIFICATE_PATH, decodeCertificateRequest, decodeCertificateResponse,
  encodeCertificateRequest, encodeCertificateResponse, type IstioCertificateRequest,
} from './certificate-messages.js';
import type { AuthOutcome, TokenAuthenticator } from './authenticator.js';
import type { CitadelStats } from './citadel-stats.js';
import type { TokenRegistry } from './token-registry.js';

/** Istio's metadata key for a node agent asking on behalf of another identity (needs CA_TRUSTED_NODE_ACCOUNTS). */
export const IMPERSONATED_IDENTITY_KEY = 'ImpersonatedIdentity';

const identity = (b: Buffer): Buffer => b;

/** The hand-written service definition; requests stay bytes until the handler decodes them, so a bad one is counted, not dropped by grpc-js. */
export function certificateServiceDefinition(): grpc.ServiceDefinition {
  const method: grpc.MethodDefinition<Buffer, Buffer> = {
    path: CREATE_CERTIFICATE_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  };
  return { [CREATE_CERTIFICATE_METHOD]: method };
}

/** The same method for a grpc-js client (tests, and the sidecar's CA client later). */
export function certificateClientDefinition(): grpc.ServiceDefinition {
  const method: grpc.MethodDefinition<{ csr: string; validityDuration?: number; metadata?: Record<string, string> }, string[]> = {
    path: CREATE_CERTIFICATE_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: encodeCertificateRequest,
    requestDeserialize: () => { throw new Error('client-side definition'); },
    responseSerialize: () => { throw new Error('client-side definition'); },
    responseDeserialize: decodeCertificateResponse,
  };
  return { [CREATE_CERTIFICATE_METHOD]: method };
}

export interface CertificateServiceOptions {
  ca: CertificateAuthority;
  tokens: TokenRegistry;
  /** Asked for tokens the registry does not know (Kubernetes mode: TokenReview). */
  reviewer?: TokenAuthenticator;
  stats: CitadelStats;
  log?: Logger;
}

interface Refusal {
  code: grpc.status;
  details: string;
}

/** The bearer token of `authorization: Bearer <token>` (scheme case-insensitive), or undefined. */
export function bearerToken(metadata: grpc.Metadata): string | undefined {
  const [value] = metadata.get('authorization');
  if (typeof value !== 'string') return undefined;
  const m = /^bearer\s+(\S+)\s*$/i.exec(value);
  return m ? m[1] : undefined;
}

export class CertificateService {
  constructor(private readonly options: CertificateServiceOptions) {}

  /** Handlers for grpc.Server.addService(certificateServiceDefinition(), …). */
  handlers(): grpc.UntypedServiceImplementation {
    return {
      [CREATE_CERTIFICATE_METHOD]: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        this.createCertificate(call.request, call.metadata).catch((e: unknown): Refusal => {
          // never crash on input: anything unexpected is an internal error, counted
          this.options.stats.signError('CERT_GEN_ERROR').inc();
          this.options.log?.error(`CreateCertificate: ${(e as Error).stack ?? e}`);
          return { code: grpc.status.INTERNAL, details: 'certificate generation failed' };
        }).then((result) => {
          if (Buffer.isBuffer(result)) callback(null, result);
          else callback({ code: result.code, details: result.details });
        });
      },
    };
  }

  /** The identity `token` proves: the registry first, then the reviewer. */
  private async authenticate(token: string | undefined): Promise<AuthOutcome> {
    if (token === undefined) return { ok: false, reason: 'unauthenticated', message: 'no bearer token' };
    const known = this.options.tokens.authenticate(token);
    if (known) return { ok: true, identity: known };
    if (!this.options.reviewer) return { ok: false, reason: 'unauthenticated', message: 'unknown token' };
    return this.options.reviewer.authenticate(token);
  }

  /** One call: authenticate, decode, sign. Resolves to the encoded response or the refusal. */
  async createCertificate(body: Buffer, metadata: grpc.Metadata): Promise<Buffer | Refusal> {
    const { ca, stats, log } = this.options;
    stats.csr.inc();
    const auth = await this.authenticate(bearerToken(metadata));
    if (!auth.ok) {
      stats.authenticationFailure.inc();
      stats.authRefused(auth.reason).inc();
      log?.debug(`CreateCertificate refused (${auth.reason}): ${auth.message}`);
      // Istio's message, then weft's reason: the workload's log says what to fix
      return { code: grpc.status.UNAUTHENTICATED, details: `request authenticate failure: ${auth.reason}: ${auth.message}` };
    }
    const caller = auth.identity;
    let req: IstioCertificateRequest;
    try {
      req = decodeCertificateRequest(body);
    } catch (e) {
      stats.csrParsingError.inc();
      return { code: grpc.status.INVALID_ARGUMENT, details: `malformed IstioCertificateRequest: ${(e as Error).message}` };
    }
    if (req.metadata.get(IMPERSONATED_IDENTITY_KEY)) {
      // Istio refuses impersonation unless trusted node accounts are configured; weft has none
      stats.authenticationFailure.inc();
      log?.warn(`impersonation refused for ${caller.namespace}/${caller.serviceAccount}: no trusted node accounts`);
      return { code: grpc.status.UNAUTHENTICATED, details: 'request impersonation authentication failure' };
    }
    try {
      const issued = ca.sign(req.csr, caller, { ttlMs: req.validityDuration * 1000 });
      stats.success.inc();
      return encodeCertificateResponse(issued.certChain);
    } catch (e) {
      if (e instanceof CsrError) {
        if (e.code === 'CSR_IDENTITY_MISMATCH') {
          stats.authenticationFailure.inc();
          return { code: grpc.status.PERMISSION_DENIED, details: `${e.code}: ${e.message}` };
        }
        if (e.code === 'CSR_TTL_TOO_LONG') {
          stats.signError('TTL_ERROR').inc();
        } else {
          stats.csrParsingError.inc();
          stats.signError('CSR_ERROR').inc();
        }
        return { code: grpc.status.INVALID_ARGUMENT, details: `CSR signing error (${e.code}: ${e.message})` };
      }
      if (e instanceof CaError && e.code === 'IDENTITY_INVALID') {
        stats.authenticationFailure.inc();
        return { code: grpc.status.PERMISSION_DENIED, details: `${e.code}: ${e.message}` };
      }
      throw e;
    }
  }
}
