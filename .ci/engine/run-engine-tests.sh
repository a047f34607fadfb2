#!/usr/bin/env bash
# `make engine-test`: start the private Docker engine, build the test image, run the engine tests with
# NETADVISOR_REQUIRE_ENGINE=1 (a missing or unusable engine fails them instead of skipping), stop it.
#
# Usage:  bash .ci/engine/run-engine-tests.sh [extra pytest args, e.g. -k macvlan -x]   (root, Debian)
#   VENV                            virtualenv with the dev dependencies (default .venv)
#   NETADVISOR_ENGINE_KEEP_RUNNING=1  leave the engine running afterwards
# An engine that was already running when this started (`eval "$(bash .ci/engine/start.sh)"`) is left
# running. Exit status: pytest's; 1 also when the DNS guard rejected a DNS packet during the tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
HERE=.ci/engine
BIN="${VENV:-.venv}/bin"
DIR="${NETADVISOR_ENGINE_DIR:-/tmp/netadvisor-engine}"
log() { echo "[engine-test] $*" >&2; }

started=$SECONDS
was_running=0
if [ -f "$DIR/dockerd.pid" ] && kill -0 "$(cat "$DIR/dockerd.pid")" 2>/dev/null; then
  was_running=1
fi
exports="$(bash "$HERE/start.sh")"  # (not inside eval: a failed start must stop this script)
eval "$exports"
if [ "$was_running" = 0 ] && [ "${NETADVISOR_ENGINE_KEEP_RUNNING:-0}" != 1 ]; then
  trap 'bash "$HERE/stop.sh" >&2 || true' EXIT
fi
bash "$HERE/image.sh"
log "engine ready after $((SECONDS - started))s"

dns_before="$(bash "$HERE/dns-guard-count.sh" 2>/dev/null)"
tests_started=$SECONDS
rc=0
NETADVISOR_REQUIRE_ENGINE=1 "$BIN/pytest" -m docker_engine --durations=5 "$@" || rc=$?
dns_after="$(bash "$HERE/dns-guard-count.sh" 2>/dev/null)"

log "pytest exit $rc after $((SECONDS - tests_started))s (total $((SECONDS - started))s)"
if [ "$((dns_after - dns_before))" != 0 ]; then
  log "DNS guard: $((dns_after - dns_before)) DNS packet(s) from containers to non-loopback servers" \
      "rejected during the tests (see iptables -L NETADVISOR-DNS -v)"
  [ "$rc" = 0 ] && rc=1
else
  log "DNS guard: no container sent DNS to a non-loopback server during the tests"
fi
exit "$rc"
