#!/usr/bin/env bash
# The Docker stage (`npm run test:docker`): the shipped images built on stand-in base images, and the containers
# of a synthesized FailoverApi run on a real Docker daemon (__tests__/docker-engine). It tests the images and the
# containers' behaviour as cdk.tf.json defines them, not the Terraform provider.
# - As root with no daemon answering, it starts dockerd and stops it at the end.
# - It removes every container, volume, network and image tag it made, also after a failure, and first sweeps
#   what an interrupted earlier run left.
# Extra jest arguments pass through, e.g. `npm run test:docker -- --json --outputFile=r.json`.
# Exit code 3: no Docker engine can be had on this machine (not root and none answers, or dockerd will not start).
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "docker-stage: $*" >&2; }

registry=cdktf-fa-stage-base
label=cdktf-failover-api.docker-stage=true
started_dockerd=
state=$(mktemp -d)

# By name and by label: containers, volumes and networks of the stage's prefix, then its image tags.
sweep() {
  docker ps -aq --filter name=cdktf-fa-stage- | xargs -r docker rm -f -v >/dev/null 2>&1 || true
  docker volume ls -q --filter name=cdktf-fa-stage- | xargs -r docker volume rm -f >/dev/null 2>&1 || true
  docker network ls -q --filter name=cdktf-fa-stage- | xargs -r docker network rm >/dev/null 2>&1 || true
  docker images --format '{{.Repository}}:{{.Tag}}' | grep -E "^(cdktf-fa-stage|$registry)/" | xargs -r docker rmi -f >/dev/null 2>&1 || true
  docker images -q --filter "label=$label" | sort -u | xargs -r docker rmi -f >/dev/null 2>&1 || true
}

cleanup() {
  local status=$?
  if docker info >/dev/null 2>&1; then
    sweep
  fi
  if [ -n "$started_dockerd" ]; then
    say "stopping the dockerd it started (pid $started_dockerd)"
    kill "$started_dockerd" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$started_dockerd" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$started_dockerd" 2>/dev/null || true
  fi
  rm -rf "$state"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

bash scripts/setup-system.sh --docker
if ! docker info >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    say 'no Docker daemon answers, and only root can start one here: start dockerd (or point DOCKER_HOST at one)'
    exit 3
  fi
  say 'no Docker daemon answers: starting dockerd'
  dockerd --pidfile "$state/dockerd.pid" > "$state/dockerd.log" 2>&1 &
  started_dockerd=$!
  deadline=$(( $(date +%s) + 60 ))
  until docker info >/dev/null 2>&1; do
    if ! kill -0 "$started_dockerd" 2>/dev/null || [ "$(date +%s)" -ge "$deadline" ]; then
      say 'dockerd did not come up within 60 s:'; tail -n 20 "$state/dockerd.log" >&2; exit 3
    fi
    sleep 0.5
  done
  say "dockerd $(docker info --format '{{.ServerVersion}}') is up (pid $started_dockerd)"
fi

# A run killed before its cleanup (SIGKILL, a machine restart) leaves its containers in the daemon's state, and a
# restarted dockerd brings them back: their names would collide with this run's.
leftovers=$( { docker ps -aq --filter name=cdktf-fa-stage-; docker volume ls -q --filter name=cdktf-fa-stage-; docker network ls -q --filter name=cdktf-fa-stage-; } | wc -l)
if [ "$leftovers" -gt 0 ]; then
  say "removing $leftovers container(s), volume(s) and network(s) an earlier, interrupted run left"
fi
sweep

npm run -s build
start=$(date +%s)
bash scripts/standin-images/build.sh --registry "$registry" --label "$label"
say "stand-in base images ready in $(( $(date +%s) - start )) s"
FAILOVER_DOCKER_STAGE_REGISTRY=$registry npx jest --config jest.docker.config.js --runInBand "$@"
