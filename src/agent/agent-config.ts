// What `weft proxy` needs to run the node agent, decoded at one boundary from
// flags, then istio-agent's environment variables, then the bootstrap's node
// metadata (NAMESPACE, SERVICE_ACCOUNT, as Istio's injector writes them).
// Every problem is reported at once, each named by its flag.
import { CA_DEFAULTS } from '../control/ca/defaults.js';
import { validateIdentity, validateTrustDomain, type WorkloadIdentity } from '../control/ca/workload-identity.js';
import { parseDurationMs } from '../control/model/duration.js';
import { AGENT_DEFAULTS } from './agent-defaults.js';

export interface AgentConfig {
  caAddress: string;
  caServerName: string;
  rootCertFile: string;
  tokenFile: string;
  trustDomain: string;
  certTtlMs: number;
  identity: WorkloadIdentity;
}

/** The agent's flags: name, istio-agent's (or weft's) environment variable, help. */
export const AGENT_FLAGS = [
  { name: 'ca-address', env: 'CA_ADDR', help: `CA host:port (Istio's 15012); setting it starts the node agent, which gets this sidecar its certificate` },
  { name: 'ca-root-cert', env: 'WEFT_CA_ROOT_CERT', help: 'PEM file of the mesh roots: the CA server must chain to them; served to the proxy as ROOTCA (re-read on every renewal)' },
  { name: 'ca-token-file', env: 'WEFT_CA_TOKEN_FILE', help: 'file holding the bearer token that proves this workload\'s identity to the CA (re-read on every renewal)' },
  { name: 'ca-server-name', env: 'ISTIOD_SAN', help: `name the CA's certificate must carry (default ${AGENT_DEFAULTS.caServerName})` },
  { name: 'trust-domain', env: 'TRUST_DOMAIN', help: `SPIFFE trust domain of this workload's identity (default ${CA_DEFAULTS.trustDomain})` },
  { name: 'cert-ttl', env: 'SECRET_TTL', help: 'workload certificate lifetime to ask for, a duration such as 24h or 90m (default 24h); rotated at half of it' },
  { name: 'namespace', env: 'POD_NAMESPACE', help: 'workload namespace (default: the bootstrap\'s node.metadata.NAMESPACE)' },
  { name: 'service-account', env: 'SERVICE_ACCOUNT', help: 'workload service account (default: the bootstrap\'s node.metadata.SERVICE_ACCOUNT)' },
] as const;

export type AgentFlagName = (typeof AGENT_FLAGS)[number]['name'];

/**
 * The agent's config, or undefined when no CA address is set (no agent), or
 * the errors. `flag(name)` returns a flag's value; `env` is the process environment.
 */
export function decodeAgentConfig(
  flag: (name: AgentFlagName) => string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  nodeMetadata: Readonly<Record<string, unknown>> | undefined,
): { config?: AgentConfig; errors: string[] } {
  const get = (name: AgentFlagName): string | undefined => {
    const spec = AGENT_FLAGS.find((f) => f.name === name)!;
    const v = flag(name) ?? env[spec.env];
    return v === undefined || v === '' ? undefined : v;
  };
  const caAddress = get('ca-address');
  if (caAddress === undefined) return { errors: [] };
  const errors: string[] = [];
  if (!/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/.test(caAddress)) errors.push(`--ca-address: "${caAddress}" is not host:port`);
  const rootCertFile = get('ca-root-cert');
  if (!rootCertFile) errors.push('--ca-root-cert: required with --ca-address (the agent verifies the CA against it)');
  const tokenFile = get('ca-token-file');
  if (!tokenFile) errors.push('--ca-token-file: required with --ca-address (the CA authenticates the workload with it)');
  const trustDomain = get('trust-domain') ?? CA_DEFAULTS.trustDomain;
  const tdProblem = validateTrustDomain(trustDomain);
  if (tdProblem) errors.push(`--trust-domain: ${tdProblem}`);
  const ttlText = get('cert-ttl');
  const certTtlMs = ttlText === undefined ? AGENT_DEFAULTS.certTtlMs : parseDurationMs(ttlText);
  if (certTtlMs === undefined || !(certTtlMs >= 1000)) errors.push(`--cert-ttl: "${ttlText}" is not a duration of at least 1s (e.g. 24h, 90m)`);
  const meta = (k: string): string | undefined => (typeof nodeMetadata?.[k] === 'string' ? (nodeMetadata[k] as string) : undefined);
  const identity = { namespace: get('namespace') ?? meta('NAMESPACE') ?? '', serviceAccount: get('service-account') ?? meta('SERVICE_ACCOUNT') ?? '' };
  if (!identity.namespace) errors.push('--namespace: the workload\'s namespace is unknown (no flag, POD_NAMESPACE or node.metadata.NAMESPACE)');
  if (!identity.serviceAccount) errors.push('--service-account: the workload\'s service account is unknown (no flag, SERVICE_ACCOUNT or node.metadata.SERVICE_ACCOUNT)');
  if (identity.namespace && identity.serviceAccount) {
    for (const p of validateIdentity(identity)) errors.push(`--${p.startsWith('namespace') ? 'namespace' : 'service-account'}: ${p.slice(p.indexOf(':') + 2)}`);
  }
  if (errors.length) return { errors };
  return {
    config: {
      caAddress, caServerName: get('ca-server-name') ?? AGENT_DEFAULTS.caServerName,
      rootCertFile: rootCertFile!, tokenFile: tokenFile!, trustDomain, certTtlMs: certTtlMs!, identity,
    },
    errors,
  };
}
