// The xDS server's debug pages, as a node:http handler the owner mounts on
// its debug/admin listener: /debug/syncz (Istio's name) lists every connected
// proxy with what it was sent, what it ACKed and its last NACK.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { XdsServer } from './xds-server.js';

/**
 * Serves GET /debug/syncz (JSON array of ProxyStatus) and
 * /debug/xds_counters (JSON object of XdsCounters). Answers 404 to other
 * paths, so mount it under /debug/ or call it only for these two.
 */
export function createDebugHandler(server: XdsServer): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    let body: unknown;
    if (path === '/debug/syncz') body = server.status();
    else if (path === '/debug/xds_counters') body = { ...server.counters(), queuedPushes: server.queuedPushes };
    else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    const text = JSON.stringify(body, null, 2) + '\n';
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(req.method === 'HEAD' ? undefined : text);
  };
}
