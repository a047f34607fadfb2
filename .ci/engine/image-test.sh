#!/usr/bin/env bash
# `make image-test`: build the service image from ./Dockerfile and check it over HTTP, with no registry.
#
#   1. base image: Debian bookworm's python3 (3.11) made locally with mmdebstrap from the Debian mirror
#      (apt's ordinary client), `docker import`ed as $BASE; built once, then kept by the engine.
#   2. wheels: `pip wheel .` on the host (netadvisor and its dependencies, from PyPI / pip's cache). Build
#      containers cannot resolve pypi.org: the engine's DNS guard (start.sh) gives them only 127.0.0.1.
#   3. `docker build --network none --build-arg BASE_IMAGE=$BASE` of a staged context (Dockerfile,
#      .dockerignore, pyproject.toml, README.md, service/, rules/, wheels/): the install is offline.
#   4. checks: non-root user, exec-form CMD, HEALTHCHECK; then a container with its port published on
#      127.0.0.1 answers GET /healthz and POST /v1/recommendations from the host, runs as uid 10001, and
#      Docker reports its HEALTHCHECK healthy.
#
# Usage:  bash .ci/engine/image-test.sh        (root, Debian; starts the private engine if it is not up)
#   VENV                        virtualenv for `pip wheel` and the HTTP checks (default .venv)
#   NETADVISOR_BASE_IMAGE       base image tag (default netadvisor/python-base:3.11-bookworm-local)
#   NETADVISOR_BASE_REBUILD=1   rebuild the base image even if it exists
#   NETADVISOR_DEBIAN_MIRROR    mirror for mmdebstrap (default http://deb.debian.org/debian)
#   NETADVISOR_SERVICE_IMAGE    tag of the built image (default netadvisor/service:test)
# An engine this script starts is stopped at the end; one that was already running is left running.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export PATH="$PATH:/usr/sbin:/sbin"
HERE=.ci/engine
BIN="${VENV:-.venv}/bin"
DIR="${NETADVISOR_ENGINE_DIR:-/tmp/netadvisor-engine}"
BASE="${NETADVISOR_BASE_IMAGE:-netadvisor/python-base:3.11-bookworm-local}"
BASE_VERSION=1 # bump when the base recipe below changes
IMAGE="${NETADVISOR_SERVICE_IMAGE:-netadvisor/service:test}"
MIRROR="${NETADVISOR_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
NAME="na-image-test-$$"

log() { echo "[image-test] $*" >&2; }
t_all=$SECONDS
t=$SECONDS
step() { log "$1 ($((SECONDS - t))s)"; t=$SECONDS; }

# ------------------------------------------------------------------ engine
was_running=0
if [ -f "$DIR/dockerd.pid" ] && kill -0 "$(cat "$DIR/dockerd.pid")" 2>/dev/null; then was_running=1; fi
exports="$(bash "$HERE/start.sh")"
eval "$exports"
D="${NETADVISOR_DOCKER_CLI:-docker}"
work="$(mktemp -d)"
cleanup() {
  "$D" rm -f "$NAME" >/dev/null 2>&1 || true
  rm -rf "$work"
  if [ "$was_running" = 0 ]; then bash "$HERE/stop.sh" >&2 || true; fi
}
trap cleanup EXIT
step "engine up"

# ------------------------------------------------------------------ 1. base image
have="$("$D" image inspect --format '{{index .Config.Labels "org.netadvisor.base"}}' "$BASE" 2>/dev/null || true)"
if [ "${NETADVISOR_BASE_REBUILD:-0}" = 1 ] || [ "$have" != "$BASE_VERSION" ]; then
  if ! command -v mmdebstrap >/dev/null; then
    log "installing mmdebstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends mmdebstrap >&2 ||
      { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive \
          apt-get install -y -q --no-install-recommends mmdebstrap >&2; }
  fi
  log "building $BASE with mmdebstrap from $MIRROR (once; about 2 minutes)"
  # essential + python3, python3-venv (ensurepip's bundled pip) and passwd (useradd); no docs/man/locales.
  mmdebstrap --variant=essential --include=python3,python3-venv,passwd \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    bookworm - "$MIRROR" 2>"$work/mmdebstrap.log" |
    "$D" import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'ENV LANG=C.UTF-8' \
      --change 'CMD ["python3"]' \
      --change "LABEL org.netadvisor.base=$BASE_VERSION" \
      -m "mmdebstrap essential bookworm + python3 python3-venv passwd" - "$BASE" >/dev/null || {
    log "base image build failed; mmdebstrap log:"; tail -n 30 "$work/mmdebstrap.log" >&2; exit 1; }
  "$D" image prune -f --filter label=org.netadvisor.base >/dev/null 2>&1 || true
  step "base image $BASE built"
else
  step "base image $BASE exists"
fi
log "base: $("$D" run --rm --network none "$BASE" python3 --version)"

# ------------------------------------------------------------------ 2. wheels, 3. build
ctx="$work/context"
mkdir -p "$ctx"
"$BIN/pip" wheel --quiet --disable-pip-version-check --wheel-dir "$ctx/wheels" . >"$work/wheel.log" 2>&1 ||
  { log "pip wheel failed:"; tail -n 30 "$work/wheel.log" >&2; exit 1; }
step "wheels: $(find "$ctx/wheels" -name '*.whl' | wc -l) in $ctx/wheels"
cp -r Dockerfile .dockerignore pyproject.toml README.md service rules "$ctx/"
DOCKER_BUILDKIT=0 "$D" build --network none --build-arg "BASE_IMAGE=$BASE" -t "$IMAGE" "$ctx" \
  >"$work/build.log" 2>&1 || { log "docker build failed:"; tail -n 40 "$work/build.log" >&2; exit 1; }
# Drop untagged leftovers: this build's first stage and the image this tag replaced (both carry the
# base's label). The first stage is no useful cache: `COPY . .` changes with every source edit.
"$D" image prune -f --filter label=org.netadvisor.base >/dev/null 2>&1 || true
step "built $IMAGE ($("$D" image inspect --format '{{.Size}}' "$IMAGE" | awk '{ printf "%.0f MB", $1 / 1e6 }'))"

# ------------------------------------------------------------------ 4. checks
fail() { log "FAIL: $*"; "$D" logs --tail 30 "$NAME" >&2 2>&1 || true; exit 1; }
config="$("$D" image inspect --format '{{.Config.User}}|{{json .Config.Cmd}}|{{json .Config.Healthcheck.Test}}' "$IMAGE")"
IFS='|' read -r user cmd health <<<"$config"
[ "$user" = "10001:10001" ] || fail "image user is '$user', want 10001:10001 (non-root)"
[ "$cmd" = '["netadvisor","serve","--host","0.0.0.0"]' ] || fail "CMD is $cmd"
case "$health" in '["CMD","python","-c",'*healthz*) ;; *) fail "HEALTHCHECK is $health" ;; esac

port="$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$D" run --detach --name "$NAME" --publish "127.0.0.1:$port:8000" "$IMAGE" >/dev/null
started=$SECONDS
# From the host, to the published port on loopback (no proxy): /healthz, then one recommendation.
"$BIN/python" - "$port" <<'EOF' || fail "HTTP checks"
import json, sys, time, urllib.request as u

base = f"http://127.0.0.1:{sys.argv[1]}"
http = u.build_opener(u.ProxyHandler({}))
deadline = time.monotonic() + 30
while True:
    try:
        health = json.load(http.open(f"{base}/healthz", timeout=3))
        break
    except OSError as exc:
        if time.monotonic() > deadline:
            sys.exit(f"/healthz: no answer within 30 s ({exc})")
        time.sleep(0.3)
assert health["status"] == "ok" and health["rules"] > 0, health
body = json.dumps({"requirements": {"hosts": 3, "swarm": True, "encryption": True}}).encode()
request = u.Request(f"{base}/v1/recommendations", data=body, headers={"Content-Type": "application/json"})
rec = json.load(http.open(request, timeout=10))
assert rec["recommendation"] == "overlay", rec["recommendation"]
create = rec["ranking"][0]["commands"]["network"][0]["argv"]
assert "encrypted" in create, create
# The page and the offline docs' assets ship inside the wheel: each answers from the image.
for path in ("/", "/static/ui/app.js", "/docs", "/redoc", "/static/docs/swagger-ui-bundle.js", "/static/docs/redoc.standalone.js"):
    with http.open(f"{base}{path}", timeout=10) as answer:
        assert answer.status == 200 and answer.read(), path
print(f"[image-test] GET /healthz: {health}; POST /v1/recommendations: {rec['recommendation']}; page and docs assets served", file=sys.stderr)
EOF
step "HTTP checks passed"
[ "$("$D" exec "$NAME" python -c 'import os; print(os.getuid())')" = 10001 ] || fail "server not running as uid 10001"
until [ "$("$D" inspect --format '{{.State.Health.Status}}' "$NAME")" = healthy ]; do
  status="$("$D" inspect --format '{{.State.Health.Status}}' "$NAME")"
  [ "$status" = unhealthy ] && fail "HEALTHCHECK reports unhealthy: $("$D" inspect --format '{{json .State.Health.Log}}' "$NAME")"
  [ $((SECONDS - started)) -ge 60 ] && fail "HEALTHCHECK not healthy within 60 s (status $status)"
  sleep 1
done
step "HEALTHCHECK healthy $((SECONDS - started))s after start"
log "ok: $IMAGE on $BASE in $((SECONDS - t_all))s"
