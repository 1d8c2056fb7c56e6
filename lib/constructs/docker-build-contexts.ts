import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The images this package can build, each from a context `npm run build` assembles under dist/docker/. */
export enum ShippedImage {
  /** The reference API (node:20-bookworm-slim). */
  API = 'api',
  /** PostgreSQL 16 with pglogical (postgres:16-bookworm). */
  POSTGRES = 'postgres',
  /** HAProxy 2.8 LTS with socat for the runtime API (haproxy:2.8-bookworm). */
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
