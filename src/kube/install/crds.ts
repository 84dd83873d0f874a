// The CustomResourceDefinitions of every kind weft accepts, with Istio's
// names (group, plural, short names, categories) so `kubectl get vs` and
// tools written for Istio work, and schemas generated from weft's own
// validators (crd-schema.ts).
import { NETWORKING_GROUP, NETWORKING_KINDS, NETWORKING_VERSIONS, SECURITY_GROUP } from '../../api/networking.js';
import { SECURITY_VERSIONS, SUPPORTED_SECURITY_KINDS } from '../../api/security.js';
import { TELEMETRY_GROUP, TELEMETRY_KIND, TELEMETRY_VERSIONS } from '../../api/telemetry.js';
import { SPEC_SCHEMAS } from '../../control/validation/networking-schema.js';
import type { Shape } from '../../control/validation/schema.js';
import { AUTHORIZATION_POLICY_SCHEMA } from '../../control/validation/validate-authorization-policy.js';
import { PEER_AUTHENTICATION_SCHEMA } from '../../control/validation/validate-peer-authentication.js';
import { REQUEST_AUTHENTICATION_SCHEMA } from '../../control/validation/validate-request-authentication.js';
import { TELEMETRY_SCHEMA } from '../../control/validation/validate-telemetry.js';
import { shapeToOpenApi } from './crd-schema.js';

export interface KindInfo {
  group: string;
  kind: string;
  plural: string;
  shortNames: string[];
  versions: readonly string[];
  /** The version objects are stored in (Istio's choice per group). */
  storageVersion: string;
  spec: Shape;
}

const SHORT_NAMES: Record<string, string[]> = {
  VirtualService: ['vs'], DestinationRule: ['dr'], ServiceEntry: ['se'], WorkloadEntry: ['we'], Sidecar: [], Gateway: ['gw'],
  PeerAuthentication: ['pa'], RequestAuthentication: ['ra'], AuthorizationPolicy: ['ap'], Telemetry: ['telemetry'],
};
const SECURITY_SPECS: Record<string, Shape> = {
  PeerAuthentication: PEER_AUTHENTICATION_SCHEMA,
  RequestAuthentication: REQUEST_AUTHENTICATION_SCHEMA,
  AuthorizationPolicy: AUTHORIZATION_POLICY_SCHEMA,
};

/** Every kind weft accepts (the lists validate-object.ts dispatches on). */
export function acceptedKinds(): KindInfo[] {
  // Istio's plurals: -y after a consonant becomes -ies (entries, policies), after a vowel takes -s (gateways).
  const plural = (k: string): string => k.toLowerCase().replace(/([^aeiou])y$/, '$1ie').concat('s');
  return [
    ...NETWORKING_KINDS.map((kind) => ({ group: NETWORKING_GROUP, kind, plural: plural(kind), shortNames: SHORT_NAMES[kind] ?? [], versions: NETWORKING_VERSIONS, storageVersion: 'v1alpha3', spec: SPEC_SCHEMAS[kind]! })),
    ...SUPPORTED_SECURITY_KINDS.map((kind) => ({ group: SECURITY_GROUP, kind, plural: plural(kind), shortNames: SHORT_NAMES[kind] ?? [], versions: SECURITY_VERSIONS, storageVersion: 'v1beta1', spec: SECURITY_SPECS[kind]! })),
    { group: TELEMETRY_GROUP, kind: TELEMETRY_KIND, plural: plural(TELEMETRY_KIND), shortNames: SHORT_NAMES.Telemetry!, versions: TELEMETRY_VERSIONS, storageVersion: 'v1alpha1', spec: TELEMETRY_SCHEMA },
  ];
}

export function buildCrd(k: KindInfo, labels: Record<string, string>): object {
  const schema = {
    type: 'object',
    properties: {
      spec: { ...shapeToOpenApi(k.spec), description: `The ${k.kind}'s spec, as Istio defines it; the validating webhook checks its semantic rules.` },
      // Validation results written back by the control plane (Istio's analysis status).
      status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    },
  };
  const categories = ['istio-io', `${k.group.split('.')[0]}-istio-io`];
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${k.plural}.${k.group}`, labels },
    spec: {
      group: k.group,
      names: { kind: k.kind, listKind: `${k.kind}List`, plural: k.plural, singular: k.kind.toLowerCase(), categories, ...(k.shortNames.length ? { shortNames: k.shortNames } : {}) },
      scope: 'Namespaced',
      versions: k.versions.map((v) => ({
        name: v,
        served: true,
        storage: v === k.storageVersion,
        schema: { openAPIV3Schema: schema },
        subresources: { status: {} },
        additionalPrinterColumns: [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }],
      })),
    },
  };
}
