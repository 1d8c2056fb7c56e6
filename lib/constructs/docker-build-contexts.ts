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

/**
 * Where the shipped images' base images come from. Air-gapped and registry-less Docker hosts point them at a
 * mirror of their own (or at the stand-ins `npm run standin-images` builds from Debian's packages).
 */
export interface ShippedBaseImages {
  /**
   * A registry or mirror path holding the official base images under their Docker Hub names. With
   * `registry.example.com/hub`, the API image starts from `registry.example.com/hub/node:20-bookworm-slim`.
   * @default Docker Hub
   */
  readonly registry?: string;
  /**
   * The reference API image's base, in full; wins over `registry`.
   * @default 'node:20-bookworm-slim', under `registry` when that is given
   */
  readonly api?: string;
  /**
   * The Postgres image's base, in full; wins over `registry`. It must keep the official postgres image's
   * contract (docker-entrypoint.sh, gosu, POSTGRES_PASSWORD, /docker-entrypoint-initdb.d, PGDATA).
   * @default 'postgres:15-bookworm', under `registry` when that is given
   */
  readonly postgres?: string;
  /**
   * The HAProxy image's base, in full (Debian bookworm, for its haproxy 2.6 package); wins over `registry`.
   * @default 'debian:bookworm-slim', under `registry` when that is given
   */
  readonly haproxy?: string;
}

/** The official base image of each shipped image: each Dockerfile's `BASE_IMAGE` default. */
export const DEFAULT_BASE_IMAGES: Record<ShippedImage, string> = {
  [ShippedImage.API]: 'node:20-bookworm-slim',
  [ShippedImage.POSTGRES]: 'postgres:15-bookworm',
  [ShippedImage.HAPROXY]: 'debian:bookworm-slim',
};

/** The base image one shipped image is built from, given the user's `ShippedBaseImages`. */
export function resolveBaseImage(image: ShippedImage, bases: ShippedBaseImages = {}): string {
  const own = bases[image];
  if (own !== undefined) {
    return own;
  }
  return bases.registry === undefined ? DEFAULT_BASE_IMAGES[image] : `${bases.registry}/${DEFAULT_BASE_IMAGES[image]}`;
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
