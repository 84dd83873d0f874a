const mode = process.argv[2];
const settle = async () => { global.gc(); await new Promise(r => setTimeout(r, 100)); global.gc(); };
const m = () => { const u = process.memoryUsage(); return `rss ${(u.rss/1048576).toFixed(1)} MiB heap ${(u.heapUsed/1048576).toFixed(1)} MiB`; };
const codec = await import('./dist/src/xds/codec.js');
const { ConfigErrors } = await import('./dist/src/common/errors.js');
const YAML = (await import('yaml')).default;
const { FRONT_PROXY_BOOTSTRAP_YAML, istioCluster, LISTENER_JSON } = await import('./dist/src/xds/codec-fixtures.js');
await settle(); console.log('modules loaded          ', m());
const errs = new ConfigErrors();
const b = codec.fromJson('envoy.config.bootstrap.v3.Bootstrap', YAML.parse(FRONT_PROXY_BOOTSTRAP_YAML), '', errs);
codec.decodeBinary('envoy.config.bootstrap.v3.Bootstrap', codec.encodeBinary('envoy.config.bootstrap.v3.Bootstrap', b));
await settle(); console.log('descriptor + bootstrap  ', m());
const c = codec.fromJson('envoy.config.cluster.v3.Cluster', istioCluster(1), '', errs);
const l = codec.fromJson('envoy.config.listener.v3.Listener', LISTENER_JSON, '', errs);
codec.decodeBinary('envoy.config.cluster.v3.Cluster', codec.encodeBinary('envoy.config.cluster.v3.Cluster', c));
codec.decodeBinary('envoy.config.listener.v3.Listener', codec.encodeBinary('envoy.config.listener.v3.Listener', l));
await settle(); console.log('+ cluster/listener types', m());
if (mode === 'root') { codec.loadDescriptor(); await settle(); console.log('+ protobufjs Root       ', m()); }
