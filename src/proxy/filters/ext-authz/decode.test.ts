// ext_authz's filter_enabled_metadata: the check runs only for streams whose
// dynamic metadata matches (Istio's CUSTOM action gates the filter on its
// shadow RBAC result this way).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigErrors } from '../../../common/errors.js';
import { decodeExtAuthz } from './decode.js';

describe('ext_authz filter_enabled_metadata', () => {
  const errs = new ConfigErrors();
  const s = decodeExtAuthz({
    grpc_service: { envoy_grpc: { cluster_name: 'authz' } },
    filter_enabled_metadata: {
      filter: 'envoy.filters.http.rbac', path: [{ key: 'istio_ext_authz_shadow_effective_policy_id' }],
      value: { string_match: { prefix: 'istio-ext-authz' } },
    },
  }, 'f', errs);
  it('decodes without errors', () => assert.deepEqual(errs.errors, []));
  it('matches the shadow RBAC result Istio\'s CUSTOM action writes, and nothing else', () => {
    const m = s!.filterEnabledMetadata!;
    assert.equal(m({ 'envoy.filters.http.rbac': { istio_ext_authz_shadow_effective_policy_id: 'istio-ext-authz-ns[default]-policy[ext]-rule[0]' } }), true);
    assert.equal(m({ 'envoy.filters.http.rbac': { istio_ext_authz_shadow_engine_result: 'denied' } }), false);
    assert.equal(m(undefined), false);
  });
  it('absent: always enabled', () => {
    const e2 = new ConfigErrors();
    assert.equal(decodeExtAuthz({ grpc_service: { envoy_grpc: { cluster_name: 'authz' } } }, 'f', e2)!.filterEnabledMetadata, undefined);
  });
});
