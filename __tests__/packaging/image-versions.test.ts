import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { findHaproxy, findPgBinDir } from '../../lib/node-runtime';

// The version that is proven is the version that is deployed: the shipped images run the same HAProxy line and
// PostgreSQL major (with pglogical) as the local runtime, which every behaviour test uses.
const dockerfile = (name: string) => readFileSync(resolve(__dirname, '../../lib', name, 'docker/Dockerfile'), 'utf8');

describe('shipped images match the local runtime', () => {
  test('the API image installs its dependencies from a lockfile, so every Docker host builds the same', () => {
    const image = dockerfile('api');
    expect(image).toMatch(/^COPY package\.json package-lock\.json \.\/$/m);
    expect(image).toMatch(/^RUN npm ci /m);
    const lock = JSON.parse(readFileSync(resolve(__dirname, '../../lib/api/docker/package-lock.json'), 'utf8')) as {
      packages: Record<string, { version?: string }>;
    };
    const pkg = JSON.parse(readFileSync(resolve(__dirname, '../../lib/api/docker/package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(lock.packages['node_modules/pg']?.version).toBe(pkg.dependencies.pg);
  });

  test('HAProxy: the image installs the same Debian package line the tests run', () => {
    const local = /HAProxy version (\d+\.\d+)\./.exec(execFileSync(findHaproxy(), ['-v'], { encoding: 'utf8' }))?.[1];
    const image = dockerfile('haproxy');
    expect(image).toMatch(/^ARG BASE_IMAGE=debian:bookworm-slim\nFROM \$\{BASE_IMAGE\}$/m);
    expect(/'haproxy=(\d+\.\d+)\.\*'/.exec(image)?.[1]).toBe(local);
  });

  test('PostgreSQL: the image runs the major version the tests run, with its pglogical', () => {
    const binDir = findPgBinDir();
    const local = basename(dirname(binDir)); // /usr/lib/postgresql/15/bin
    expect(local).toMatch(/^\d+$/);
    const image = dockerfile('postgres');
    expect(/^ARG BASE_IMAGE=postgres:(\d+)-bookworm\nFROM \$\{BASE_IMAGE\}$/m.exec(image)?.[1]).toBe(local);
    expect(image).toContain(`postgresql-${local}-pglogical`);
  });
});
