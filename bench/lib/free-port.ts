// Free TCP ports on 127.0.0.1 for servers that take a port number in a config
// file (nginx, HAProxy, weft) rather than reporting a port-0 bind.
import net from 'node:net';

/** Ports handed out by this process, so two servers never get the same one. */
const given = new Set<number>();

/** A port the kernel just reported free; a tiny race remains until the server binds it. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const addr = srv.address();
        const p = typeof addr === 'object' && addr ? addr.port : 0;
        srv.close(() => resolve(p));
      });
    });
    if (port > 0 && !given.has(port)) {
      given.add(port);
      return port;
    }
  }
  throw new Error('no free port found');
}
