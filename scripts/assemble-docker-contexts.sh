#!/usr/bin/env bash
# Assembles the Docker build contexts the constructs reference into dist/docker/<image>/.
# Runs after tsc, as part of `npm run build`.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf dist/docker
mkdir -p dist/docker/api dist/docker/postgres dist/docker/haproxy
cp lib/api/docker/Dockerfile dist/docker/api/Dockerfile
cp lib/api/docker/package.json lib/api/docker/package-lock.json dist/docker/api/
cp dist/lib/api/api-server.js dist/lib/api/api-environment.js dist/lib/api/main.js dist/docker/api/
cp lib/postgres/docker/* dist/docker/postgres/
cp lib/haproxy/docker/* dist/docker/haproxy/
