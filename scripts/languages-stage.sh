#!/usr/bin/env bash
# The language stage (`npm run test:languages`): the packages jsii generates, built and run in their own
# language, and the README's example in each synthesized and compared with the TypeScript example's
# (__tests__/languages):
# - Python: the built wheel in a fresh virtualenv, with its dependencies from PyPI (cdktf 0.21, constructs 10,
#   the Docker provider's bindings, jsii).
# - Go: the generated module, with its dependencies from the Go module proxy. The proxy does not serve the Docker
#   provider's Go bindings, so they are generated here from @cdktf/provider-docker's jsii assembly.
# - Java: jsii-pacmak builds the Maven package against Maven Central. The mirror here serves no com.hashicorp
#   artifacts, so cdktf's and the Docker provider's Java packages are built the same way from their npm packages.
# Nothing is cached: everything is made anew in a temp dir and removed at the end, also after a failure (Go's
# and Maven's download caches excepted, which any machine refills).
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

export FAILOVER_LANGUAGES_PYTHON="$work/venv/bin/python"

started=$SECONDS
say "Go: the Docker provider's Go bindings, from its jsii assembly"
npx --no-install jsii-pacmak --targets go --code-only -o "$work/go-provider" node_modules/@cdktf/provider-docker
export FAILOVER_LANGUAGES_GO_PROVIDER="$work/go-provider/go/docker"
export FAILOVER_LANGUAGES_GO_MODULE="$PWD/dist/bindings/go/cdktffailoverapi"
say "Go: generated in $((SECONDS - started)) s"

started=$SECONDS
say "Java: cdktf, the Docker provider and this package as Maven packages (jsii-pacmak, mvn, about 2 minutes)"
# Built here, so never from Maven's local cache: a copy of an earlier build there would shadow this one.
rm -rf ~/.m2/repository/io/github/cdktf-failover-api ~/.m2/repository/com/hashicorp/cdktf ~/.m2/repository/com/hashicorp/cdktf-provider-docker
npx --no-install jsii-pacmak --targets java -o "$work/maven" node_modules/cdktf node_modules/@cdktf/provider-docker .
export FAILOVER_LANGUAGES_JAVA_REPO="$work/maven/java"
say "Java: built in $((SECONDS - started)) s"

# The jsii runtimes unpack themselves in the temp dir (Java's in java.io.tmpdir, each node child in TMPDIR) and
# leave it behind: keep that inside $work, which goes at the end.
mkdir -p "$work/tmp"
TMPDIR="$work/tmp" JAVA_TOOL_OPTIONS="-Djava.io.tmpdir=$work/tmp" npx --no-install jest --config jest.languages.config.js "$@"
