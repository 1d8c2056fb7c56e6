import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The images this package can build, each from a context `npm run build` assembles under dist/docker/. */
export enum ShippedImage {
  /** The reference API (node:20-bookworm-slim). */
  API = 'api',
  /** PostgreSQL 15 with pglogical (postgres:15-bookworm plus postgresql-15-pglogical), as the local runtime runs. */
  POSTGRES = 'postgres',
  /** HAProxy 2.6 LTS from Debian bookworm with socat and the reloader, the package the local runtime runs. */
  HAPROXY = 'haproxy',
}

/** Absolute path of a shipped build context: beside the compiled code, or in dist/ when running from sources. */
export function shippedBuildContext(image: ShippedImage): string {
  const candidates = [resolve(__dirname, '../../docker', image), resolve(__dirname, '../../dist/docker', image)];
  const found = candidates.find((dir) => existsSync(join(dir, 'Dockerfile')));
  if (!found) {
    throw new Error(`Docker build context for the ${image} image not found (looked in ${candidates.join(', ')}); run \`npm run build\``);
  }
  return found;
}
