// Free ports for `weft up`: asked of the kernel (bind :0), so two runs on one
// machine never clash. The ports are held (listening) until the processes
// that will use them start: a port released early can be handed out again,
// e.g. to weft up's own control plane binding :0 a moment later.
import net from 'node:net';

/** One free port, released at once (the caller binds it soon; see holdPorts for why sooner is safer). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const h = await holdPorts(1, host);
  await h.release();
  return h.ports[0]!;
}

/** Ports held by listening sockets until release(). */
export interface HeldPorts {
  readonly ports: number[];
  release(): Promise<void>;
}

/** `n` distinct free ports, kept bound until release() so nothing else on this host is given them meanwhile. */
export async function holdPorts(n: number, host = '127.0.0.1'): Promise<HeldPorts> {
  const servers: net.Server[] = [];
  const ports: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const s = net.createServer();
      s.unref();
      servers.push(s);
      ports.push(await new Promise<number>((resolve, reject) => {
        s.once('error', reject);
        s.listen(0, host, () => resolve((s.address() as net.AddressInfo).port));
      }));
    }
  } catch (e) {
    await closeAll(servers);
    throw e;
  }
  return { ports, release: () => closeAll(servers) };
}

function closeAll(servers: net.Server[]): Promise<void> {
  return Promise.all(servers.map((s) => new Promise<void>((r) => (s.listening ? s.close(() => r()) : r())))).then(() => undefined);
}
