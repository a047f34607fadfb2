#!/usr/bin/env bash
# Start a private Docker engine (Debian's docker.io 20.10) for end-to-end tests.
#
# Usage:  eval "$(bash .ci/engine/start.sh)"
#   stdout is only two lines (logs go to stderr):
#     export NETADVISOR_DOCKER_CLI=/usr/bin/docker
#     export DOCKER_HOST=unix://$DIR/docker.sock
#
# Env:
#   NETADVISOR_ENGINE_DIR      state dir (default /tmp/netadvisor-engine)
#   NETADVISOR_ENGINE_TIMEOUT  seconds to wait for the daemon (default 60)
#   NETADVISOR_ENGINE_IP6TABLES=1  daemon.json gets "experimental": true, "ip6tables": true
#                              (ip6tables NAT/filter rules; IPv6 networks work without it)
#   NETADVISOR_ENGINE_KEEP=1   on a cold start keep leftover containers/networks/swarm
#                              state of an earlier, uncleanly ended daemon (default: reset)
#
# Idempotent: if the daemon of $DIR is already answering, it only prints the export lines.
# Layout: $DIR/data (--data-root), $DIR/exec (--exec-root), $DIR/dockerd.pid,
#         $DIR/docker.sock, $DIR/dockerd.log, $DIR/daemon.json, $DIR/resolv.conf.
# DNS guard: dockerd runs in its own mount namespace with $DIR/resolv.conf (nameserver 127.0.0.1)
# bind-mounted on /etc/resolv.conf and daemon.json "dns": ["127.0.0.1"]: neither the daemon (registry
# lookups) nor its containers can send a DNS query off this machine. A daemon found running without
# the guard is restarted.
# dockerd 20.10 spawns and supervises its own containerd (socket
# $DIR/exec/containerd/containerd.sock, pid in $DIR/exec/containerd/containerd.pid)
# because no --containerd is given and no system containerd is running at
# /run/containerd/containerd.sock.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DIR="${NETADVISOR_ENGINE_DIR:-/tmp/netadvisor-engine}"
TIMEOUT="${NETADVISOR_ENGINE_TIMEOUT:-60}"
SOCK="$DIR/docker.sock"
HOST="unix://$SOCK"
PIDFILE="$DIR/dockerd.pid"
LOG="$DIR/dockerd.log"

log() { echo "[engine] $*" >&2; }
# dockerd, docker-proxy, iptables and ip live in /usr/sbin or /sbin.
export PATH="$PATH:/usr/sbin:/sbin:/usr/bin:/bin"

if [ "$(id -u)" != 0 ]; then
  log "must run as root"; exit 1
fi

# ---------------------------------------------------------------- packages
pkg_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}
missing=()
for p in docker.io containerd runc iptables iproute2 busybox-static; do
  pkg_installed "$p" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Keep the package's init script from starting a system dockerd on
  # /var/run/docker.sock (no systemd here, so invoke-rc.d would run it).
  tmp_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    tmp_policy=1
  fi
  rc=0
  { apt-get update -q >&2 &&
    apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; } || rc=$?
  [ -n "$tmp_policy" ] && rm -f /usr/sbin/policy-rc.d
  if [ "$rc" != 0 ]; then log "apt-get failed ($rc)"; exit "$rc"; fi
fi

# --------------------------------------------------------------- client
# /usr/local/bin/docker (28.x) may precede /usr/bin/docker (20.10) on PATH.
# Both work: the 28.x client negotiates the API version down to the daemon's
# 1.41 by itself (no DOCKER_API_VERSION needed). But the 28.x client refuses a
# few flags against API 1.41 (e.g. `docker run --mac-address`: "specify
# mac-address per network" requires API version 1.44), so start.sh also
# prints NETADVISOR_DOCKER_CLI=/usr/bin/docker, the daemon's own client.
DOCKER="$(command -v docker || echo /usr/bin/docker)"
engine_up() { "$DOCKER" -H "$HOST" info >/dev/null 2>&1; }

mkdir -p "$DIR"
chmod 711 "$DIR"

# True when process $1 sees an /etc/resolv.conf with only loopback nameservers (/proc/PID/root
# looks through its mount namespace), i.e. it was started by this script's DNS guard below.
dns_guarded() {
  local ns
  ns="$(awk '$1 == "nameserver" { print $2 }' "/proc/$1/root/etc/resolv.conf" 2>/dev/null)" || return 1
  [ -n "$ns" ] && ! grep -qv '^127\.' <<<"$ns"
}

# Second line of the DNS guard: reject (and count) DNS that containers send through the host to
# anything but loopback. Swarm's own sandboxes (ingress, load balancers) ignore daemon.json "dns" and get
# Docker's fallback resolvers 8.8.8.8/8.8.4.4 (dockerd.log: "No non-localhost DNS nameservers are left in
# resolv.conf. Using default external servers"); nothing there is known to query them, and this makes sure.
# IPv4: from DOCKER-USER (dockerd keeps it first in FORWARD); IPv6: dockerd leaves ip6tables alone.
# Only traffic entering from Docker's bridges is matched. `dns-guard-count.sh` prints the counters.
install_dns_counter() {
  local t from dev
  for t in iptables ip6tables; do
    command -v "$t" >/dev/null || continue
    if "$t" -N NETADVISOR-DNS 2>/dev/null; then # (kept, with its counters, while the engine runs)
      "$t" -A NETADVISOR-DNS -p udp --dport 53 -j REJECT
      "$t" -A NETADVISOR-DNS -p tcp --dport 53 -j REJECT --reject-with tcp-reset
    fi
    from=DOCKER-USER
    [ "$t" = ip6tables ] && from=FORWARD
    "$t" -L "$from" -n >/dev/null 2>&1 || { log "$t: no $from chain; DNS counter not installed"; continue; }
    for dev in docker0 'br-+' docker_gwbridge; do
      "$t" -C "$from" -i "$dev" -j NETADVISOR-DNS 2>/dev/null || "$t" -I "$from" 1 -i "$dev" -j NETADVISOR-DNS
    done
  done
}

if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null && engine_up; then
  if dns_guarded "$(cat "$PIDFILE")"; then
    log "already running (pid $(cat "$PIDFILE"))"
    install_dns_counter
    echo "export NETADVISOR_DOCKER_CLI=/usr/bin/docker"
    echo "export DOCKER_HOST=$HOST"
    exit 0
  fi
  log "running dockerd (pid $(cat "$PIDFILE")) uses the host's resolver; restarting it behind the DNS guard"
fi

# ------------------------------------------------------- cold start
# Clear what an earlier daemon of this dir left behind (stale pid/socket,
# netns mounts, its containerd and shims, na-* links).
NETADVISOR_ENGINE_DIR="$DIR" bash "$HERE/stop.sh" >&2 || true

# Two dockerds would share docker0 and the DOCKER iptables chains.
# (A dockerd that stop.sh just ended may linger a moment as a zombie: it does not count.)
live_dockerd() {
  local p
  for p in $(pgrep -x dockerd); do
    [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" = Z ] || echo "$p"
  done
}
if other="$(live_dockerd)" && [ -n "$other" ]; then
  log "another dockerd is running (pid $(echo $other)); stop it first" \
      "(or set NETADVISOR_ENGINE_ALLOW_OTHER=1)"
  [ "${NETADVISOR_ENGINE_ALLOW_OTHER:-0}" = 1 ] || exit 1
fi

ip6=''
if [ "${NETADVISOR_ENGINE_IP6TABLES:-0}" = 1 ]; then
  ip6='"experimental": true, "ip6tables": true,'
fi
# "dns": containers get 127.0.0.1 as their resolver (and the embedded DNS of user-defined networks
# forwards unknown names to the host's 127.0.0.1:53), so no container lookup leaves this machine.
# Without it Docker falls back to 8.8.8.8/8.8.4.4 when the host resolver is a loopback address.
cat >"$DIR/daemon.json" <<EOF
{ $ip6
  "dns": ["127.0.0.1"],
  "log-driver": "json-file",
  "log-opts": {"max-size": "10m", "max-file": "2"}
}
EOF

if [ "${NETADVISOR_ENGINE_KEEP:-0}" != 1 ]; then
  # Forget networks and swarm membership of an earlier daemon (images are kept).
  rm -rf "$DIR/data/network" "$DIR/data/swarm"
  # Their bridges (br-<id>, docker_gwbridge) would now be orphans holding
  # subnets; drop them unless some other dockerd runs on this machine.
  if [ -z "$(live_dockerd)" ]; then
    for l in $(ip -o link show type bridge | awk -F': ' '{print $2}' |
               grep -E '^(br-[0-9a-f]{12}|docker_gwbridge)$' || true); do
      ip link del "$l" 2>/dev/null || true
    done
  fi
fi

log "starting dockerd (log: $LOG)"
[ -s "$LOG" ] && mv -f "$LOG" "$LOG.1"
# No DNS leaks: dockerd (and the containerd, shims and docker-proxy it spawns) run in a private mount
# namespace where /etc/resolv.conf names only 127.0.0.1, so a registry lookup (`docker pull`,
# `docker service create` resolving a digest) fails on this machine ("lookup registry-1.docker.io on
# 127.0.0.1:53: ... connection refused") instead of asking the host's resolver. Proxy variables are
# dropped so no pull can go through a proxy either.
# DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1: swarm tasks use the local image instead
# of first trying to pull it from Docker Hub (no registry is reachable here).
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$DIR/resolv.conf"
# Descriptors 3-9 are closed first: a caller's lock (`flock /tmp/netadvisor-engine.lock bash -c ...` hands
# its descriptor, usually 3, down to every child) would otherwise live on in dockerd and containerd, and
# stay held for as long as the daemon runs, so every later `flock` on it waits for ever.
# shellcheck disable=SC2016  # $0/$1 expand in the inner shell
setsid nohup env -u HTTP_PROXY -u HTTPS_PROXY -u http_proxy -u https_proxy -u ALL_PROXY -u all_proxy \
  DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 \
  unshare --mount --propagation private \
  sh -c 'exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- && mount --bind "$0" /etc/resolv.conf && exec "$@"' \
  "$DIR/resolv.conf" \
  /usr/sbin/dockerd \
  --config-file "$DIR/daemon.json" \
  --data-root "$DIR/data" \
  --exec-root "$DIR/exec" \
  --pidfile "$PIDFILE" \
  -H "$HOST" \
  >>"$LOG" 2>&1 </dev/null &
launcher=$!

deadline=$((SECONDS + TIMEOUT))
until engine_up; do
  if ! kill -0 "$launcher" 2>/dev/null; then
    log "dockerd exited early; last log lines:"; tail -n 40 "$LOG" >&2; exit 1
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    log "dockerd did not answer within ${TIMEOUT}s; last log lines:"; tail -n 40 "$LOG" >&2
    kill "$launcher" 2>/dev/null || true
    exit 1
  fi
  sleep 0.5
done

if [ "${NETADVISOR_ENGINE_KEEP:-0}" != 1 ]; then
  # Remove containers left by an earlier daemon (images are kept).
  ids="$("$DOCKER" -H "$HOST" ps -aq 2>/dev/null || true)"
  if [ -n "$ids" ]; then
    log "removing leftover containers"
    "$DOCKER" -H "$HOST" rm -f $ids >/dev/null 2>&1 || true
  fi
fi

if ! dns_guarded "$(cat "$PIDFILE")"; then
  log "dockerd does not see the private resolv.conf; stopping it"
  NETADVISOR_ENGINE_DIR="$DIR" bash "$HERE/stop.sh" >&2 || true
  exit 1
fi

install_dns_counter

log "dockerd $("$DOCKER" -H "$HOST" version --format '{{.Server.Version}}' 2>/dev/null) up (pid $(cat "$PIDFILE")), client $DOCKER"
echo "export NETADVISOR_DOCKER_CLI=/usr/bin/docker"
echo "export DOCKER_HOST=$HOST"
