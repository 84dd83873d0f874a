// Validates one parsed document: apiVersion and kind, metadata, the spec's
// schema, then the kind's semantic rules. Returns every message at once and,
// when there is no error, the object with defaults applied (namespace) and
// deprecated fields rewritten to their replacements.
import {
  NETWORKING_GROUP,
  NETWORKING_KINDS,
  NETWORKING_VERSIONS,
  SECURITY_GROUP,
  SECURITY_KINDS,
  type ObjectMeta,
  type ServiceEntrySpec,
} from '../../api/networking.js';
import { SECURITY_VERSIONS, SUPPORTED_SECURITY_KINDS, type AuthorizationPolicySpec, type IstioObject, type PeerAuthenticationSpec, type RequestAuthenticationSpec } from '../../api/security.js';
import { TELEMETRY_GROUP, TELEMETRY_KIND, TELEMETRY_VERSIONS, type TelemetrySpec } from '../../api/telemetry.js';
import { checkLabels } from './common-checks.js';
import { normalizeDestinationRule, normalizeVirtualService } from './deprecations.js';
import { Reporter, type LineLocator, type ValidationMessage } from './message.js';
import { checkNamespaceName, checkObjectName } from './names.js';
import { SPEC_SCHEMAS } from './networking-schema.js';
import { checkShape, isPlainObject, map, str } from './schema.js';
import { validateDestinationRule, type DestinationRuleInput } from './validate-destination-rule.js';
import { validateServiceEntry, validateWorkloadEntry } from './validate-service-entry.js';
import { AUTHORIZATION_POLICY_SCHEMA, validateAuthorizationPolicy } from './validate-authorization-policy.js';
import { PEER_AUTHENTICATION_SCHEMA, validatePeerAuthentication } from './validate-peer-authentication.js';
import { REQUEST_AUTHENTICATION_SCHEMA, validateRequestAuthentication } from './validate-request-authentication.js';
import { TELEMETRY_SCHEMA, validateTelemetry } from './validate-telemetry.js';
import { validateGateway, validateSidecar } from './validate-sidecar-gateway.js';
import { validateVirtualService } from './validate-virtual-service.js';

/** Objects without a namespace live here (as kubectl applies them). */
export const DEFAULT_NAMESPACE = 'default';

const TOP_LEVEL = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status']);

export interface ValidationResult {
  /** The typed, normalized object when it has no errors (warnings allowed). */
  readonly object?: IstioObject;
  readonly messages: readonly ValidationMessage[];
}

export interface ValidateOptions {
  /** Finds the source line of a field path (from the YAML loader). */
  readonly lineOf?: LineLocator;
}

/** "Kind name.namespace": how messages and the control plane name an object. */
export function objectKey(kind: string, name: string, namespace: string): string {
  return `${kind} ${name}.${namespace}`;
}

/** Validates one parsed YAML/JSON document. */
export function validateObject(doc: unknown, file?: string, options: ValidateOptions = {}): ValidationResult {
  const r = new Reporter('', file, options.lineOf);
  if (!isPlainObject(doc)) {
    r.report('WEFT0002', '', `a document must be an object with apiVersion, kind, metadata and spec, got ${Array.isArray(doc) ? 'a list' : typeof doc}`);
    return { messages: r.messages };
  }
  const kind = typeof doc.kind === 'string' ? doc.kind : undefined;
  const apiVersion = typeof doc.apiVersion === 'string' ? doc.apiVersion : undefined;
  const meta = isPlainObject(doc.metadata) ? doc.metadata : undefined;
  const name = typeof meta?.name === 'string' ? meta.name : '';
  const namespace = typeof meta?.namespace === 'string' && meta.namespace !== '' ? meta.namespace : DEFAULT_NAMESPACE;
  r.key = kind ? objectKey(kind, name || '<unnamed>', namespace) : '';
  if (!kind || !apiVersion) {
    if (!apiVersion) r.report('WEFT0002', 'apiVersion', 'apiVersion is missing');
    if (!kind) r.report('WEFT0002', 'kind', 'kind is missing');
    return { messages: r.messages };
  }
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);

  const securitySupported = group === SECURITY_GROUP && (SUPPORTED_SECURITY_KINDS as readonly string[]).includes(kind);
  if (group === SECURITY_GROUP && !securitySupported) {
    const known = (SECURITY_KINDS as readonly string[]).includes(kind);
    r.report('WEFT0003', 'kind', `${kind} (${apiVersion}) is ${known ? 'not yet supported by weft' : 'not a kind weft knows'}: it is not applied`);
    return { messages: r.messages };
  }
  if (group === NETWORKING_GROUP && !(NETWORKING_KINDS as readonly string[]).includes(kind)) {
    r.report('WEFT0003', 'kind', `${kind} (${apiVersion}) is not yet supported by weft: it is not applied`);
    return { messages: r.messages };
  }
  const telemetry = group === TELEMETRY_GROUP && kind === TELEMETRY_KIND;
  if (group !== NETWORKING_GROUP && !securitySupported && !telemetry) {
    if (group.endsWith('.istio.io')) r.report('WEFT0003', 'kind', `${kind} (${apiVersion}) is not yet supported by weft: it is not applied`);
    else r.report('WEFT0004', 'kind', `kind ${kind} (${apiVersion}) is not Istio networking config; skipped`);
    return { messages: r.messages };
  }
  const versions: readonly string[] = securitySupported ? SECURITY_VERSIONS : telemetry ? TELEMETRY_VERSIONS : NETWORKING_VERSIONS;
  if (!versions.includes(version)) {
    r.report('WEFT0005', 'apiVersion', `apiVersion "${apiVersion}" is not supported; use ${versions.map((v) => `${group}/${v}`).join(', ')}`);
    return { messages: r.messages };
  }

  for (const k of Object.keys(doc)) if (!TOP_LEVEL.has(k)) r.report('WEFT0010', k, `unknown field "${k}"`);
  const metadata = checkMetadata(doc.metadata, name, namespace, r);
  if (doc.spec === undefined || doc.spec === null) {
    r.report('WEFT0012', 'spec', 'required field "spec" is missing');
    return { messages: r.messages };
  }
  const schema = kind === 'PeerAuthentication' ? PEER_AUTHENTICATION_SCHEMA : kind === 'RequestAuthentication' ? REQUEST_AUTHENTICATION_SCHEMA : kind === 'AuthorizationPolicy' ? AUTHORIZATION_POLICY_SCHEMA : telemetry ? TELEMETRY_SCHEMA : SPEC_SCHEMAS[kind]!;
  const spec = checkShape(doc.spec, schema, 'spec', r) as Record<string, unknown> | undefined;
  if (spec) validateSpec(kind, spec, name, namespace, r);
  if (r.hasErrors || !spec || !metadata) return { messages: r.messages };

  if (kind === 'VirtualService') normalizeVirtualService(spec);
  if (kind === 'DestinationRule') normalizeDestinationRule(spec);
  const object = { apiVersion, kind, metadata, spec } as IstioObject;
  return { object, messages: r.messages };
}

function checkMetadata(raw: unknown, name: string, namespace: string, r: Reporter): ObjectMeta | undefined {
  if (!isPlainObject(raw)) {
    r.report('WEFT0006', 'metadata', raw === undefined || raw === null ? 'metadata (with a name) is missing' : 'metadata must be an object');
    return undefined;
  }
  if (raw.name === undefined || raw.name === null || raw.name === '') r.report('WEFT0006', 'metadata.name', 'metadata.name is missing');
  else if (typeof raw.name !== 'string') r.report('WEFT0006', 'metadata.name', 'metadata.name must be a string');
  else {
    const err = checkObjectName(name);
    if (err) r.report('WEFT0006', 'metadata.name', err);
  }
  if (raw.namespace !== undefined && raw.namespace !== null) {
    if (typeof raw.namespace !== 'string') r.report('WEFT0006', 'metadata.namespace', 'metadata.namespace must be a string');
    else if (raw.namespace !== '') {
      const err = checkNamespaceName(raw.namespace);
      if (err) r.report('WEFT0006', 'metadata.namespace', err);
    }
  }
  // Other metadata (uid, resourceVersion, annotations from kubectl, ...) is accepted as Kubernetes writes it.
  const labels = checkShape(raw.labels, map(str), 'metadata.labels', r) as Record<string, string> | undefined;
  checkLabels(labels, 'metadata.labels', r);
  const annotations = checkShape(raw.annotations, map(str), 'metadata.annotations', r) as Record<string, string> | undefined;
  const meta: ObjectMeta = { name, namespace };
  if (labels) meta.labels = labels;
  if (annotations) meta.annotations = annotations;
  return meta;
}

function validateSpec(kind: string, spec: Record<string, unknown>, name: string, namespace: string, r: Reporter): void {
  switch (kind) {
    case 'VirtualService':
      return validateVirtualService(spec, namespace, r);
    case 'DestinationRule':
      return validateDestinationRule(spec as DestinationRuleInput, namespace, r);
    case 'ServiceEntry':
      return validateServiceEntry(spec as unknown as ServiceEntrySpec, namespace, r);
    case 'WorkloadEntry':
      return validateWorkloadEntry(spec, 'spec', r);
    case 'Sidecar':
      return validateSidecar(spec, namespace, r);
    case 'Gateway':
      return validateGateway(spec, name, r);
    case 'PeerAuthentication':
      return validatePeerAuthentication(spec as PeerAuthenticationSpec, r);
    case 'RequestAuthentication':
      return validateRequestAuthentication(spec as RequestAuthenticationSpec, r);
    case 'AuthorizationPolicy':
      return validateAuthorizationPolicy(spec as AuthorizationPolicySpec, r);
    case 'Telemetry':
      return validateTelemetry(spec as TelemetrySpec, r);
  }
}
