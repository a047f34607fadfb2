#!/usr/bin/env bash
# Stop the private Docker engine started by start.sh and clean up after tests.
#
# Usage:  bash .ci/engine/stop.sh       (env NETADVISOR_ENGINE_DIR as for start.sh)
#
# Idempotent; safe when the daemon is already gone (it then only clears stale
# pid/socket files, mounts under $DIR, leftover containerd/shims of $DIR and na-* links).
# Images and the data root are kept, so the next start.sh is fast.
set -uo pipefail

DIR="${NETADVISOR_ENGINE_DIR:-/tmp/netadvisor-engine}"
SOCK="$DIR/docker.sock"
HOST="unix://$SOCK"
PIDFILE="$DIR/dockerd.pid"
CTRD_PIDFILE="$DIR/exec/containerd/containerd.pid"
CTRD_SOCK="$DIR/exec/containerd/containerd.sock"
DOCKER="$(command -v docker || echo /usr/bin/docker)"
STOP_TIMEOUT="${NETADVISOR_ENGINE_STOP_TIMEOUT:-30}"

log() { echo "[engine] $*" >&2; }
export PATH="$PATH:/usr/sbin:/sbin:/usr/bin:/bin"
d() { timeout 60 "$DOCKER" -H "$HOST" "$@" </dev/null; }

wait_gone() { # pid seconds
  local pid=$1 end=$((SECONDS + $2))
  # (a zombie counts as gone)
  while kill -0 "$pid" 2>/dev/null &&
        [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]; do
    [ "$SECONDS" -ge "$end" ] && return 1
    sleep 0.2
  done
  return 0
}

# ------------------------------------------------ API-level cleanup
if [ -S "$SOCK" ] && d info >/dev/null 2>&1; then
  if [ "$(d info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null)" != inactive ]; then
    log "leaving swarm"
    d swarm leave --force >/dev/null 2>&1 || true
  fi
  ids="$(d ps -aq 2>/dev/null)"
  if [ -n "$ids" ]; then
    log "removing containers"
    d rm -f $ids >/dev/null 2>&1 || true
  fi
  for n in $(d network ls -q --filter type=custom 2>/dev/null); do
    d network rm "$n" >/dev/null 2>&1 || true
  done
fi

# ------------------------------------------------ stop dockerd
if [ -f "$PIDFILE" ]; then
  pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
     tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "--pidfile $PIDFILE"; then
    log "stopping dockerd (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_gone "$pid" "$STOP_TIMEOUT"; then
      log "dockerd did not exit in ${STOP_TIMEOUT}s, killing"
      kill -KILL "$pid" 2>/dev/null || true
      wait_gone "$pid" 5 || true
    fi
  fi
  rm -f "$PIDFILE"
fi

# ------------------------------------------------ its containerd and shims
if [ -f "$CTRD_PIDFILE" ]; then
  cpid="$(cat "$CTRD_PIDFILE" 2>/dev/null || true)"
  if [ -n "$cpid" ] && kill -0 "$cpid" 2>/dev/null &&
     tr '\0' ' ' <"/proc/$cpid/cmdline" 2>/dev/null | grep -q containerd; then
    log "stopping containerd (pid $cpid)"
    kill -TERM "$cpid" 2>/dev/null || true
    wait_gone "$cpid" 10 || { kill -KILL "$cpid" 2>/dev/null || true; wait_gone "$cpid" 5 || true; }
  fi
  rm -f "$CTRD_PIDFILE"
fi
# Shims and containers of this engine survive an unclean dockerd death:
# kill and delete the containers through runc's state dir, then the shims.
RUNC_ROOT="$DIR/exec/runtime-runc/moby"
if [ -d "$RUNC_ROOT" ] && command -v runc >/dev/null; then
  for id in $(runc --root "$RUNC_ROOT" list -q 2>/dev/null); do
    log "removing leftover container ${id:0:12}"
    runc --root "$RUNC_ROOT" kill --all "$id" KILL 2>/dev/null || true
    runc --root "$RUNC_ROOT" delete -f "$id" 2>/dev/null || true
  done
fi
for p in /proc/[0-9]*; do
  pid="${p#/proc/}"
  cmd="$( { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null)" || continue  # the process may be gone by now
  case "$cmd" in
    *containerd-shim*"$CTRD_SOCK"*|*containerd\ *"$DIR/exec/containerd"*)
      log "killing leftover $pid: ${cmd:0:80}"
      kill -KILL "$pid" 2>/dev/null || true ;;
  esac
done

# ------------------------------------------------ mounts under $DIR
# (netns bind mounts, overlay rootfs, shm) left by an unclean exit; deepest first.
awk -v d="$DIR/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
  while read -r m; do umount -l "$m" 2>/dev/null || true; done

rm -f "$SOCK"

# ------------------------------------------------ test links na-*
for l in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep '^na-' || true); do
  ip link del "$l" 2>/dev/null || true
done

# ------------------------------------------------ DNS guard rules of start.sh
for t in iptables ip6tables; do
  command -v "$t" >/dev/null || continue
  for from in DOCKER-USER FORWARD; do
    for dev in docker0 'br-+' docker_gwbridge; do
      while "$t" -D "$from" -i "$dev" -j NETADVISOR-DNS 2>/dev/null; do :; done
    done
  done
  "$t" -F NETADVISOR-DNS 2>/dev/null && "$t" -X NETADVISOR-DNS 2>/dev/null
done

log "stopped"
exit 0
