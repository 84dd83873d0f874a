// envoy.filters.network.direct_response end to end: every connection gets the
// configured bytes, then the proxy closes it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tcpExchange, tempDir } from '../helpers/net-harness.js';
import { bootstrapErrors, startProxy, type RunningProxy } from '../helpers/proxy-harness.js';

const listener = (name: string, response: string) => `
  - name: ${name}
    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.direct_response
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.direct_response.v3.Config
${response}`;

const yaml = (listeners: string) => `
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
static_resources:
  listeners:${listeners}
`;

describe('direct_response network filter (integration)', () => {
  let px: RunningProxy;
  const tmp = tempDir();
  const file = tmp.file('banner.bin', 'from a file\n');
  before(async () => {
    px = await startProxy(yaml(
      listener('inline', '          response: { inline_string: "HTTP/1.1 200 OK\\r\\ncontent-length: 2\\r\\nconnection: close\\r\\n\\r\\nok" }')
      + listener('bytes', '          response: { inline_bytes: "AAEC/w==" }')
      + listener('file', `          response: { filename: ${file} }`)
      + listener('empty', ''),
    ));
  });
  after(async () => {
    await px?.close();
    tmp.cleanup();
  });

  it('writes inline_string and closes, whatever the client sent', async () => {
    const r = await tcpExchange(px.port('inline'), 'GET / HTTP/1.1\r\nhost: x\r\n\r\n');
    assert.equal(r.data.toString(), 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok');
    assert.ok(r.gotEnd);
  });

  it('inline_bytes, filename and an empty response', async () => {
    assert.deepEqual([...(await tcpExchange(px.port('bytes'), '')).data], [0, 1, 2, 255]);
    assert.equal((await tcpExchange(px.port('file'), 'x')).data.toString(), 'from a file\n');
    const empty = await tcpExchange(px.port('empty'), 'x');
    assert.equal(empty.data.length, 0);
    assert.ok(empty.gotEnd);
  });

  it('refuses an unreadable file and environment_variable, with paths', () => {
    const errs = bootstrapErrors(yaml(listener('a', '          response: { filename: /nonexistent/weft-banner }') + listener('b', '          response: { environment_variable: HOME }')));
    const paths = errs.map((e) => e.path);
    assert.ok(paths.includes('static_resources.listeners[0].filter_chains[0].filters[0].typed_config.response.filename'), JSON.stringify(paths));
    assert.ok(paths.includes('static_resources.listeners[1].filter_chains[0].filters[0].typed_config.response.environment_variable'), JSON.stringify(paths));
  });
});
