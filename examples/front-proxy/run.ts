// `npm start`: the seed's front-proxy example. Starts a small upstream
// ("service1" on 127.0.0.1:10001) and weft proxy in front of it on :10000.
import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');
const bootstrap = path.join(repo, 'examples/front-proxy/bootstrap.yaml');

const upstream = http.createServer((req, res) => {
  res.setHeader('content-type', 'text/plain');
  res.end(`hello from service1: ${req.method} ${req.url}\n`);
});
upstream.listen(10001, '127.0.0.1', () => {
  const proxy = spawn(process.execPath, [path.join(repo, 'bin/weft.js'), 'proxy', '-c', bootstrap], { stdio: 'inherit' });
  console.log('service1 upstream on http://127.0.0.1:10001');
  console.log('weft proxy on     http://127.0.0.1:10000/  (admin: http://127.0.0.1:9901/)');
  console.log('try: curl -s http://127.0.0.1:10000/hello ; curl -s http://127.0.0.1:9901/stats/prometheus');
  const stop = () => {
    proxy.kill('SIGTERM');
    upstream.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  proxy.on('exit', (code) => process.exit(code ?? 0));
});
