#!/usr/bin/env bash
# How many DNS packets from containers the guard of start.sh has rejected (iptables + ip6tables chain
# NETADVISOR-DNS) since the engine started: the number on stdout, details on stderr.
# Usage: before="$(bash .ci/engine/dns-guard-count.sh)"; ...; after="$(bash .ci/engine/dns-guard-count.sh)"
set -uo pipefail
export PATH="$PATH:/usr/sbin:/sbin"
total=0
for t in iptables ip6tables; do
  command -v "$t" >/dev/null || continue
  if ! "$t" -L NETADVISOR-DNS -n >/dev/null 2>&1; then
    echo "[dns-guard] $t: no NETADVISOR-DNS chain (engine not started by start.sh?)" >&2
    continue
  fi
  n="$("$t" -L NETADVISOR-DNS -v -n -x | awk '$3 == "REJECT" { s += $1 } END { print s + 0 }')"
  echo "[dns-guard] $t: $n DNS packet(s) from containers to non-loopback servers rejected" >&2
  total=$((total + n))
done
echo "$total"
