import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ISTIO_RESOURCES } from './kube-resources.js';

it('names the Istio kinds by the plurals of their CRDs', () => {
  assert.deepEqual(ISTIO_RESOURCES.map((r) => `${r.plural}.${r.group}`), [
    'virtualservices.networking.istio.io', 'destinationrules.networking.istio.io', 'gateways.networking.istio.io',
    'serviceentries.networking.istio.io', 'sidecars.networking.istio.io', 'workloadentries.networking.istio.io',
    'peerauthentications.security.istio.io', 'authorizationpolicies.security.istio.io', 'requestauthentications.security.istio.io',
    'telemetries.telemetry.istio.io',
  ]);
});
