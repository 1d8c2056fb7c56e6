import { createServer } from 'node:net';

/** Asks the kernel for a port that is free on `host` right now, and also free on each of `alsoFreeOn`. */
export async function freePort(host: string, ...alsoFreeOn: string[]): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const port = await listenOnce(host, 0);
    const elsewhere = await Promise.all(
      alsoFreeOn.map((h) =>
        listenOnce(h, port).then(
          () => true,
          () => false,
        ),
      ),
    );
    if (elsewhere.every(Boolean) || attempt >= 20) {
      return port;
    }
  }
}

function listenOnce(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
