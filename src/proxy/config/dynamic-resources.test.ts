import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigErrors } from '../../common/errors.js';
import type { envoy_config_bootstrap_v3_Bootstrap_DynamicResources } from '../../xds/gen/types.js';
import { decodeDynamicResources } from './dynamic-resources.js';

function decode(d: envoy_config_bootstrap_v3_Bootstrap_DynamicResources) {
  const errs = new ConfigErrors();
  const cfg = decodeDynamicResources(d, 'dynamic_resources', errs, new Set(['xds']));
  return { cfg, errors: errs.errors.map((e) => e.path), warnings: errs.warnings.map((w) => w.path) };
}

const ads = { api_type: 'GRPC' as const, grpc_services: [{ envoy_grpc: { cluster_name: 'xds' } }] };

test('LDS and CDS from files need no ads_config', () => {
  const { cfg, errors } = decode({
    lds_config: { path_config_source: { path: '/etc/lds.yaml' } },
    cds_config: { path_config_source: { path: '/etc/c/cds.yaml', watched_directory: { path: '/etc/c' } } },
  });
  assert.deepEqual(errors, []);
  assert.equal(cfg?.withoutAds, true);
  assert.deepEqual(cfg?.ldsPath, { path: '/etc/lds.yaml', fieldPath: 'dynamic_resources.lds_config.path_config_source.path' });
  assert.deepEqual(cfg?.cdsPath, { path: '/etc/c/cds.yaml', watchedDirectory: '/etc/c', fieldPath: 'dynamic_resources.cds_config.path_config_source.path' });
  assert.equal(cfg?.lds, true);
  assert.equal(cfg?.cds, true);
});

test('the deprecated `path` works with a warning', () => {
  const { cfg, errors, warnings } = decode({ cds_config: { path: '/etc/cds.yaml' } });
  assert.deepEqual(errors, []);
  assert.deepEqual(warnings, ['dynamic_resources.cds_config.path']);
  assert.equal(cfg?.cdsPath?.path, '/etc/cds.yaml');
  assert.equal(cfg?.lds, false);
});

test('files and ADS mix: ads_config is required only for what comes over ADS', () => {
  const mixed = decode({ ads_config: ads, lds_config: { path_config_source: { path: '/l.yaml' } }, cds_config: { ads: {} } });
  assert.deepEqual(mixed.errors, []);
  assert.equal(mixed.cfg?.withoutAds, undefined);
  assert.equal(mixed.cfg?.cluster, 'xds');
  assert.equal(mixed.cfg?.ldsPath?.path, '/l.yaml');
  assert.equal(mixed.cfg?.cdsPath, undefined);
  assert.deepEqual(decode({ lds_config: { path_config_source: { path: '/l.yaml' } }, cds_config: { ads: {} } }).errors, ['dynamic_resources.ads_config']);
});

test('every problem of a file source is reported at its path', () => {
  const { errors } = decode({
    lds_config: { path_config_source: { path: '', watched_directory: {} }, resource_api_version: 'V2' },
    cds_config: { path: '/c.yaml', initial_fetch_timeout: { seconds: 1 }, authorities: [{ name: 'x' }] },
  });
  assert.deepEqual(errors.sort(), [
    'dynamic_resources.cds_config.authorities',
    'dynamic_resources.lds_config.path_config_source.path',
    'dynamic_resources.lds_config.path_config_source.watched_directory.path',
    'dynamic_resources.lds_config.resource_api_version',
  ]);
});
