#!/usr/bin/env bash
# Builds stand-ins for the official base images the shipped Dockerfiles start from, out of Debian's packages,
# for Docker hosts that reach no image registry (`npm run standin-images`):
#   <registry>/debian:bookworm-slim    debootstrap --variant=minbase bookworm, then `docker import`
#   <registry>/postgres:15-bookworm     Debian's postgresql-15 and gosu, with its own entrypoint for the
#                                       official image's contract (postgres/docker-entrypoint.sh)
#   <registry>/node:20-bookworm-slim    this machine's Node.js 20 and npm
#   <registry>/curlimages/curl:8.11.1   Debian's curl (the smoke stack's probe)
# Point FailoverApi's `baseImages.registry` (or `npm run smoke -- --image-registry`) at <registry>.
# Usage: build.sh [--registry NAME] [--label KEY=VALUE] [--if-missing]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
registry=cdktf-failover-api-standin
label=cdktf-failover-api.standin=true
if_missing=false
while [ $# -gt 0 ]; do
  case "$1" in
    --registry) registry=$2; shift 2 ;;
    --label) label=$2; shift 2 ;;
    --if-missing) if_missing=true; shift ;;
    *) echo "standin-images: unknown argument $1 (expected --registry NAME, --label KEY=VALUE, --if-missing)" >&2; exit 2 ;;
  esac
done
say() { echo "standin-images: $*" >&2; }

for tool in docker debootstrap; do
  command -v "$tool" >/dev/null || { say "$tool is missing: apt-get install docker.io debootstrap"; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { say 'debootstrap needs root'; exit 1; }

debian=$registry/debian:bookworm-slim
tags=("$debian" "$registry/postgres:15-bookworm" "$registry/node:20-bookworm-slim" "$registry/curlimages/curl:8.11.1")
if $if_missing && docker image inspect "${tags[@]}" >/dev/null 2>&1; then
  say "all present under $registry"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The mirror this machine's apt uses, so the stand-ins install from where the host does.
mirror=$(sed -n 's/^URIs: *\(http[^ ]*\/debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
mirror=${mirror:-http://deb.debian.org/debian}
start=$(date +%s)
say "debootstrap bookworm from $mirror (about a minute)"
debootstrap --variant=minbase --include=ca-certificates bookworm "$work/rootfs" "$mirror" > "$work/debootstrap.log" 2>&1 \
  || { tail -n 20 "$work/debootstrap.log" >&2; exit 1; }
# debian:bookworm-slim's sources: main, updates and security.
cat > "$work/rootfs/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb ${mirror%/debian}/debian-security bookworm-security main
SOURCES
# This machine's extra certificate authorities, so a build behind its TLS proxy trusts what the host trusts.
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$work/rootfs/usr/local/share/ca-certificates/"
  chroot "$work/rootfs" update-ca-certificates >/dev/null
fi
rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
tar -C "$work/rootfs" -c . | docker import --change 'CMD ["bash"]' --change "LABEL $label" - "$debian" >/dev/null
say "$debian imported ($(( $(date +%s) - start )) s)"

build() { # tag context
  if ! docker build -q --label "$label" --build-arg "BASE_IMAGE=$debian" -t "$1" "$2" > "$work/build.log" 2>&1; then
    tail -n 30 "$work/build.log" >&2
    exit 1
  fi
  say "$1 built ($(( $(date +%s) - start )) s)"
}
build "$registry/postgres:15-bookworm" "$here/postgres"
cp -r "$here/node" "$work/node"
cp "$(command -v node)" "$work/node/node"
cp -r "$(dirname "$(readlink -f "$(command -v npm)")")/.." "$work/node/npm"
build "$registry/node:20-bookworm-slim" "$work/node"
build "$registry/curlimages/curl:8.11.1" "$here/curl"
