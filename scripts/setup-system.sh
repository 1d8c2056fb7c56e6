#!/usr/bin/env bash
# Installs the Debian packages the local runtime and tests need, if any is missing: haproxy and PostgreSQL 15
# with pglogical (the versions the shipped images run), iptables and iproute2 for the network faults, and socat,
# which the HAProxy image's reloader uses and its test runs here. Debian's python3 with pip, setuptools and wheel
# builds the Python package offline (`npm run package`).
# With --docker, also docker.io and debootstrap, for the Docker stage (`npm run test:docker`) and the stand-in
# base images (`npm run standin-images`). With --languages, also python3-venv, for the language stage
# (`npm run test:languages`), which installs the built wheel into a virtualenv.
# As root it installs them with apt; otherwise it prints the command to run and fails.
set -euo pipefail

PACKAGES=(haproxy postgresql-15 postgresql-15-pglogical iptables iproute2 socat python3-pip python3-setuptools python3-wheel)
for arg in "$@"; do
  case "$arg" in
    --docker) PACKAGES+=(docker.io debootstrap) ;;
    --languages) PACKAGES+=(python3-venv) ;;
    *) echo "setup-system.sh: unknown argument $arg (expected --docker or --languages)" >&2; exit 2 ;;
  esac
done

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "cdktf-failover-api: missing system packages: ${missing[*]}" >&2
  echo "Install them with:  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "cdktf-failover-api: installing ${missing[*]} with apt-get..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "cdktf-failover-api: installed ${missing[*]}" >&2
