import net from 'node:net';

/**
 * Returns a port on 127.0.0.1 that nothing listened on a moment ago. Another process can take it
 * before the caller binds it, so servers started on it retry on a new port when that happens.
 */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
