#!/usr/bin/env bash
# Build the local test image netadvisor/busybox:test (no registry needed) from
# Debian's busybox-static, and check that a container of it works.
#
# Usage:  bash .ci/engine/image.sh            (after start.sh; uses DOCKER_HOST or
#                                             unix://$NETADVISOR_ENGINE_DIR/docker.sock)
#   NETADVISOR_IMAGE   image name (default netadvisor/busybox:test)
#   NETADVISOR_IMAGE_REBUILD=1   rebuild even if the image exists
#
# Idempotent: skips the build when the image exists (the smoke test still runs).
# The image holds /bin/busybox (static) and links for all its applets (sh, ip,
# ping, nc, wget, httpd, nslookup, ifconfig, route, arping, ...), /etc/passwd,
# /etc/group, /www/index.html ("netadvisor-ok").
# Default CMD ["httpd", "-f", "-p", "80", "-h", "/www"]: a container started without a command (as the
# advisor's `docker run IMAGE` / `docker service create IMAGE`) keeps running and answers HTTP on port
# 80 with "netadvisor-ok", so published-port checks get an answer.
# An image built by an earlier version of this script (other org.netadvisor.test label) is rebuilt.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin:/usr/bin:/bin"

DIR="${NETADVISOR_ENGINE_DIR:-/tmp/netadvisor-engine}"
export DOCKER_HOST="${DOCKER_HOST:-unix://$DIR/docker.sock}"
IMAGE="${NETADVISOR_IMAGE:-netadvisor/busybox:test}"
DOCKER="$(command -v docker || echo /usr/bin/docker)"
VERSION=2  # bump when the image's content or config changes
log() { echo "[image] $*" >&2; }

if ! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed'; then
  log "busybox-static missing: run start.sh first (or apt-get install busybox-static)"; exit 1
fi

have="$("$DOCKER" image inspect --format '{{index .Config.Labels "org.netadvisor.test"}}' "$IMAGE" 2>/dev/null || true)"
if [ "${NETADVISOR_IMAGE_REBUILD:-0}" != 1 ] && [ "$have" = "$VERSION" ]; then
  log "$IMAGE exists"
else
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  root="$work/rootfs"
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,root,proc,sys,dev,www,run}
  chmod 1777 "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  # Applet links in their canonical dirs (/bin, /sbin, /usr/bin, /usr/sbin).
  chroot "$root" /bin/busybox --install -s
  cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
  cat >"$root/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
  echo 'hosts: files dns' >"$root/etc/nsswitch.conf"
  echo netadvisor-ok >"$root/www/index.html"
  tar --numeric-owner -C "$root" -cf "$work/rootfs.tar" .
  "$DOCKER" import \
    --change 'CMD ["httpd", "-f", "-p", "80", "-h", "/www"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "LABEL org.netadvisor.test=$VERSION" \
    -m "busybox-static $(dpkg-query -W -f='${Version}' busybox-static)" \
    "$work/rootfs.tar" "$IMAGE" >/dev/null
  # Drop the image this one replaced (now untagged).
  "$DOCKER" image prune -f --filter label=org.netadvisor.test >/dev/null 2>&1 || true
  log "built $IMAGE"
fi

# Smoke test: ip, ping (loopback), httpd + wget inside one container.
out="$("$DOCKER" run --rm "$IMAGE" sh -c '
  ip addr show lo | grep -q "inet 127.0.0.1" &&
  ping -c1 -W2 127.0.0.1 >/dev/null &&
  { httpd -p 127.0.0.1:8080 -h /www; sleep 0.3; wget -qO- http://127.0.0.1:8080/; }')" || {
  log "smoke test failed: $out"; exit 1; }
[ "$out" = netadvisor-ok ] || { log "smoke test: unexpected output '$out'"; exit 1; }
log "smoke test ok (ip, ping, httpd, wget)"

# The default CMD keeps running and serves /www on port 80 (what the engine tests rely on).
cid="$("$DOCKER" run -d --rm "$IMAGE")"
out="$("$DOCKER" exec "$cid" sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do
  timeout 2 wget -qO- http://127.0.0.1:80/ 2>/dev/null && exit 0; sleep 0.2; done; exit 1')" || out=""
"$DOCKER" rm -f "$cid" >/dev/null 2>&1 || true
[ "$out" = netadvisor-ok ] || { log "default CMD does not serve port 80: '$out'"; exit 1; }
log "default CMD serves http on port 80"
