#!/usr/bin/env bash
# The language stage (`npm run test:languages`): the packages jsii generates, installed and run in their own
# language. Python: the built wheel goes into a fresh virtualenv with its dependencies from PyPI (cdktf 0.21,
# constructs 10, the Docker provider's bindings, jsii), and the README's Python example is synthesized and
# compared with the TypeScript example's synthesis (__tests__/languages). Java and Go are not built: their
# cdktf dependencies are not served here (README, "Packages"). Nothing is cached: the virtualenv is made anew
# in a temp dir and removed at the end, also after a failure.
# Extra jest arguments pass through, e.g. `npm run test:languages -- --json --outputFile=r.json`.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "languages-stage: $*" >&2; }
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20

bash scripts/setup-system.sh --languages
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

say "build, then the packages (jsii-pacmak)"
npm run -s build
bash scripts/package.sh --no-build
wheel=$(ls dist/python/cdktf_failover_api-*.whl)

started=$SECONDS
say "Python: a virtualenv, and $(basename "$wheel") with its dependencies from PyPI"
/usr/bin/python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-cache-dir "$wheel"
say "Python: installed in $((SECONDS - started)) s: $("$work/venv/bin/python" -m pip list --format freeze 2>/dev/null | grep -E '^(cdktf|constructs|jsii|cdktf-failover-api)==' | tr '\n' ' ')"

say "Java: not built (com.hashicorp:cdktf 0.21 is not served by this machine's Maven mirror)"
say "Go: not built (github.com/cdktf/cdktf-provider-docker-go/docker/v12 is not served by the Go module proxy)"
FAILOVER_LANGUAGES_PYTHON="$work/venv/bin/python" npx --no-install jest --config jest.languages.config.js "$@"
