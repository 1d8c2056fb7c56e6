#!/usr/bin/env bash
# `npm run package`: the jsii assembly, API.md, and the packages for each language, into dist/:
#   dist/js/        the npm tarball (jsii-pacmak)
#   dist/python/    the Python wheel and sdist (jsii-pacmak --code-only, then Debian's setuptools, offline)
#   dist/bindings/  generated Python, Java, .NET and Go sources (not built here: see README "Packages")
# `--no-build` packages dist/ and API.md as they are (the packaging test: `npm test` builds once, before jest).
set -euo pipefail
cd "$(dirname "$0")/.."
# jsii's tools print a banner on Node 20, which they stopped supporting on 2026-10-30; the build runs on it still.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
step() { echo "package: $*" >&2; }

if [ "${1:-}" != "--no-build" ]; then
  step "build (tsc, jsii)"
  npm run -s build
  step "API.md (jsii-docgen)"
  npx --no-install jsii-docgen -o API.md
fi

rm -rf dist/js dist/python dist/bindings
step "npm tarball (jsii-pacmak --targets js)"
# dist/ is already built: skip the prepack build inside the pack.
npm_config_ignore_scripts=true npx --no-install jsii-pacmak --targets js --no-npmignore -o dist
step "Python, Java, .NET and Go sources (jsii-pacmak --code-only)"
npx --no-install jsii-pacmak --targets python java dotnet go --code-only --no-npmignore -o dist/bindings

step "Python wheel and sdist (offline, Debian's python3)"
python=/usr/bin/python3
if ! "$python" -c 'import setuptools, wheel' 2>/dev/null; then
  echo "package: $python needs setuptools and wheel: run npm run setup (apt: python3-setuptools python3-wheel)" >&2
  exit 1
fi
mkdir -p dist/python
(cd dist/bindings/python \
  && "$python" -m pip wheel --quiet --no-build-isolation --no-deps --no-index --wheel-dir ../../python . \
  && "$python" setup.py --quiet sdist --dist-dir ../../python \
  && rm -rf build src/*.egg-info)
step "done:"
ls -1 dist/js/* dist/python/* >&2
