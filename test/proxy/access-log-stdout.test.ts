// envoy.access_loggers.stdout (and FileAccessLog to /dev/stdout, as Istio
// configures it) in a `weft proxy` child process: lines appear on stdout.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bootstrap, request, staticCluster, startUpstream, type Upstream } from '../helpers/proxy-harness.js';
import { tempDir } from '../helpers/net-harness.js';
import { spawnProxy, type ChildProxy } from '../helpers/process-harness.js';

describe('access log: stdout in a child process', { timeout: 15_000 }, () => {
  const tmp = tempDir();
  let up: Upstream;
  let px: ChildProxy;
  before(async () => {
    up = await startUpstream('service1');
    px = await spawnProxy(tmp.file('bootstrap.yaml', bootstrap({
      clusters: staticCluster('service1', [up.port]),
      hcmExtra: `          access_log:
          - name: envoy.access_loggers.stdout
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog
          - name: istio_style
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
              path: /dev/stdout
              log_format: { text_format_source: { inline_string: "istio %REQ(:METHOD)% %REQ(:PATH)% %RESPONSE_CODE% %RESPONSE_FLAGS% %UPSTREAM_CLUSTER%\\n" } }`,
    })));
  });
  after(async () => {
    await px.kill();
    await up.close();
    tmp.cleanup();
  });

  it('writes the default line and the custom line to stdout, nothing else', async () => {
    assert.equal((await request({ port: px.port(), path: '/to-stdout', headers: { 'user-agent': 'ua-1' } })).status, 200);
    await px.waitForStdout('istio GET /to-stdout 200 - service1\n');
    const out = await px.waitForStdout(/"GET \/to-stdout HTTP\/1\.1" 200 - 0 \d+ \d+ \d+ "-" "ua-1" "[0-9a-f-]{36}" "127\.0\.0\.1:\d+" "127\.0\.0\.1:\d+"\n/);
    const lines = out.split('\n').filter(Boolean);
    assert.equal(lines.length, 2, 'stdout holds access log lines only (process logs go to stderr)\n' + out);
    assert.match(lines.find((l) => l.startsWith('['))!, new RegExp(`"127\\.0\\.0\\.1:${up.port}"$`));
  });
});
