#!/usr/bin/env bash
# Vertdesk cluster benchmark: punch-hole round trip on one node and across a two-node cluster.
#
#   bench/cluster/run.sh [--quick]
#
# Measures docs/protocol.md §11 walk-through (b) as the controller sees it: from A's PunchHoleRequest
# to A's PunchHoleResponse, with the server sending PunchHole to device B over UDP and B answering
# PunchHoleSent on a new TCP connection in between. Two setups run side by side in the same run:
#   single  one unclustered node (udp + signaling); device, controller and answer all on it;
#   cross   a two-node Hazelcast cluster on loopback sharing one dataDir (same key and SQLite
#           file): node A runs udp + signaling, node B signaling only. B registers on node A's
#           UDP, the controller connects to node B, B answers to node A's signaling port, so both
#           the PunchHole to the device and the answer back to the controller cross nodes.
# The client (PunchBench.java, compiled here against the jar) runs one round trip at a time from
# 127.0.0.3 (controller) and 127.0.0.2 (device); every TCP connection first receives the server's
# KeyExchange offer, which the client ignores (it stays in clear, as clients without a login
# token do). After a warm-up, the scenarios alternate in blocks of BLOCK round trips within each
# of ROUNDS rounds, so that machine noise hits both alike; p50/p99/mean over all rounds, per-round
# p50 spread, and the ratio cross/single.
# Servers are pinned to core 0 and the client to core 1 (when there are >= 2 CPUs); loopback has
# no network latency, so "cross" shows the cluster's own cost (Hazelcast lookups, event-bus hops).
# --quick: short run (≲ 40 s, shorter warm-up: figures a bit high); full run ≲ 2 min.
# PIN_CPUS=0 leaves all processes unpinned.
# VERTDESK_JAR=<path> benchmarks another build of the jar instead of target/vertdesk.jar.
# Everything listens on and talks to 127.0.0.x only; every process and loop is bounded in time.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
QUICK=0
if [[ "${1:-}" == "--quick" ]]; then QUICK=1; elif [[ -n "${1:-}" ]]; then echo "usage: $0 [--quick]" >&2; exit 2; fi
if ((QUICK)); then
  WARM=2000; N=500; ROUNDS=2; CLIENT_TIMEOUT=300
else
  WARM=6000; N=2000; ROUNDS=3; CLIENT_TIMEOUT=900
fi
# the warm-up is long because the cross-node path (Hazelcast, event bus) keeps getting faster for
# several thousand round trips (JIT); with 300 the cross-node p50 still fell by ~3x over the rounds
BLOCK=50   # round trips per scenario before switching to the other one
JOPTS=(-Xms512m -Xmx512m -XX:+UseSerialGC) # the same for all three servers
HOST=127.0.0.1
T0=$(date +%s)
LOAD0=$(cut -d' ' -f1 /proc/loadavg)

WORK=$(mktemp -d /tmp/vertdesk-clusterbench.XXXXXX)
PIDS_STARTED=()
cleanup() {
  for p in "${PIDS_STARTED[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.5
  for p in "${PIDS_STARTED[@]}"; do kill -9 "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log() { printf '[%4ds] %s\n' $(($(date +%s) - T0)) "$*" >&2; }

if [[ ${PIN_CPUS:-1} != 0 ]] && (($(nproc) >= 2)); then SRV_CPU=(taskset -c 0); CLI_CPU=(taskset -c 1); PIN="servers on core 0, client on core 1"
else SRV_CPU=(); CLI_CPU=(); PIN="not pinned"; fi

# ---------------------------------------------------------------- build
cd "$ROOT"
JAR_SRC=${VERTDESK_JAR:-$ROOT/target/vertdesk.jar}
if [[ -z "${VERTDESK_JAR:-}" && ! -f target/vertdesk.jar ]]; then
  log "building target/vertdesk.jar"
  ./mvnw -q -B -DskipTests package >"$WORK/build.log" 2>&1 && [[ -f target/vertdesk.jar ]] \
    || { tail -20 "$WORK/build.log" >&2; echo "build failed" >&2; exit 1; }
fi
[[ -f $JAR_SRC ]] || { echo "no jar at $JAR_SRC" >&2; exit 1; }
cp "$JAR_SRC" "$WORK/vertdesk.jar" # a rebuild during the run must not swap classes under the JVM
JAR=$WORK/vertdesk.jar
mkdir -p "$WORK/classes"
javac -nowarn -cp "$JAR" -d "$WORK/classes" "$HERE/PunchBench.java" 2>"$WORK/javac.log" \
  || { cat "$WORK/javac.log" >&2; exit 1; }

# ---------------------------------------------------------------- servers
# shellcheck source=../ports.sh
source "$HERE/../ports.sh"
CPORT=$(free_ports 10 t)                    # Hazelcast member ports (node A takes the first)
CNAME="vertdesk-bench-$$-$RANDOM"            # no other cluster can be joined by mistake

# write_conf <file> <dataDir> <udp enabled> [cluster]
write_conf() {
  local cluster=""
  [[ ${4:-} == cluster ]] && cluster="\"cluster\": {\"name\": \"$CNAME\", \"host\": \"$HOST\", \"port\": $CPORT, \"portCount\": 10, \"joinWaitSeconds\": 0},"
  cat >"$1" <<EOF
{"dataDir": "$2", "bind": "$HOST", $cluster
 "verticles": {"udp": {"enabled": $3, "config": {"port": 0}}, "signaling": {"enabled": true, "config": {"port": 0}},
   "nat": {"enabled": false}, "relay": {"enabled": false}, "ws": {"enabled": false}, "wsrelay": {"enabled": false},
   "api": {"enabled": false}, "admin": {"enabled": false}}}
EOF
}

# start_node <name> <conf> [java args...]: sets UDP_PORT and SIG_PORT from the start line
start_node() {
  local name=$1 conf=$2 pid line; shift 2
  "${SRV_CPU[@]}" java "${JOPTS[@]}" -jar "$JAR" -conf "$conf" "$@" >"$WORK/$name.log" 2>&1 &
  pid=$!
  PIDS_STARTED+=("$pid")
  for _ in $(seq 1 480); do # 120 s: Hazelcast on a busy box can be slow to form
    line=$(grep -m1 'Vertdesk .* node .* started as ' "$WORK/$name.log" || true)
    [[ -n $line ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  if [[ -z $line ]]; then
    echo "$name did not start, see $WORK/$name.log:" >&2; tail -20 "$WORK/$name.log" >&2; exit 1
  fi
  UDP_PORT=$(sed -n 's/.*[{ ]udp=\([0-9]*\).*/\1/p' <<<"$line")
  SIG_PORT=$(sed -n 's/.*[{ ]signaling=\([0-9]*\).*/\1/p' <<<"$line")
  log "$name: ${line#*started }"
}

log "work dir $WORK; cluster $CNAME on $HOST:$CPORT+; quick=$QUICK"
mkdir -p "$WORK/cluster-data" "$WORK/single-data"
write_conf "$WORK/node-a.json" "$WORK/cluster-data" true cluster
write_conf "$WORK/node-b.json" "$WORK/cluster-data" false cluster
write_conf "$WORK/single.json" "$WORK/single-data" true
CL=(-cluster -cluster-host "$HOST")
start_node node-a "$WORK/node-a.json" "${CL[@]}"; A_UDP=$UDP_PORT; A_SIG=$SIG_PORT
start_node node-b "$WORK/node-b.json" "${CL[@]}"; B_SIG=$SIG_PORT
start_node single "$WORK/single.json"; S_UDP=$UDP_PORT; S_SIG=$SIG_PORT
[[ -n $A_UDP && -n $A_SIG && -n $B_SIG && -n $S_UDP && -n $S_SIG ]] || { echo "could not read the ports from the start lines" >&2; exit 1; }
sleep 1

# ---------------------------------------------------------------- measurement
log "warm-up $WARM, then $ROUNDS round(s) x $N round trips per scenario (blocks of $BLOCK, alternating)"
# in the background so that a signal to this script ends it (and, by the trap, the client) at once
timeout "$CLIENT_TIMEOUT" "${CLI_CPU[@]}" java -Xms256m -Xmx256m -cp "$JAR:$WORK/classes" PunchBench \
  "$WARM" "$N" "$ROUNDS" "$BLOCK" "$WORK" \
  "single:$WORK/single-data/id_ed25519.pub:$S_UDP:$S_SIG:$S_SIG" \
  "cross:$WORK/cluster-data/id_ed25519.pub:$A_UDP:$B_SIG:$A_SIG" \
  >"$WORK/client.out" 2>"$WORK/client.err" &
CPID=$!
PIDS_STARTED+=("$CPID")
RC=0
wait "$CPID" || RC=$?
cat "$WORK/client.err" >&2
cat "$WORK/client.out" >>"$WORK/runs.log"
if ((RC != 0)); then
  echo "client failed (exit $RC); output in $WORK/client.out, server logs in $WORK/*.log" >&2
  cat "$WORK/client.out" >&2
  exit 1
fi
while read -r l; do log "  $l"; done < <(grep '^round=' "$WORK/client.out")

# ---------------------------------------------------------------- summary
kv() { tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k { print $2 }'; }
total() { grep "^total scenario=$1 " "$WORK/client.out"; }
rounds_p50() { # "min–max" of the per-round p50s
  grep "^round=.* scenario=$1 " "$WORK/client.out" | tr ' ' '\n' | awk -F= '$1 == "p50_us" { v = $2 + 0
    if (!n++ || v < lo) lo = v; if (v > hi) hi = v } END { printf "%.0f–%.0f", lo, hi }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
TS=$(total single); TC=$(total cross)
row() { printf '%-34s %9s %9s %9s %9s %16s %8s\n' "$@"; }
{
  echo
  echo "== Vertdesk cluster punch-hole benchmark ($( ((QUICK)) && echo quick || echo full )) — $(date -u +%FT%TZ), $(nproc) CPUs, java $(java -version 2>&1 | awk -F'"' 'NR==1{print $2}')"
  echo "   PunchHoleRequest -> PunchHole (UDP) -> PunchHoleSent (new TCP) -> PunchHoleResponse, one at a time;"
  echo "   $WARM warm-up + $ROUNDS x $N round trips per scenario, alternating in blocks of $BLOCK; $PIN; JVM ${JOPTS[*]}"
  row "scenario" "p50 µs" "p90 µs" "p99 µs" "mean µs" "round p50s µs" "failed"
  for s in single cross; do
    t=$(total "$s")
    if [[ $s == single ]]; then label="single node"; else label="cross-node (2-node cluster)"; fi
    row "$label" "$(kv "$t" p50_us)" "$(kv "$t" p90_us)" "$(kv "$t" p99_us)" "$(kv "$t" mean_us)" "$(rounds_p50 "$s")" "$(kv "$t" failed)"
  done
  echo "ratio cross-node / single-node:    p50 $(ratio "$(kv "$TC" p50_us)" "$(kv "$TS" p50_us)")x   p99 $(ratio "$(kv "$TC" p99_us)" "$(kv "$TS" p99_us)")x   mean $(ratio "$(kv "$TC" mean_us)" "$(kv "$TS" mean_us)")x"
  for s in single cross; do
    t=$(total "$s")
    printf '   %-6s p50 of the legs, µs: request -> PunchHole at device %s, device connects + sends PunchHoleSent %s, PunchHoleSent -> PunchHoleResponse %s\n' \
      "$s" "$(kv "$t" leg_to_device_p50_us)" "$(kv "$t" leg_device_p50_us)" "$(kv "$t" leg_to_controller_p50_us)"
  done
  echo "   re-registrations asked by the servers (request_pk, should be 0): single $(kv "$TS" request_pk), cross $(kv "$TC" request_pk)"
  echo "   load average at start $LOAD0, at end $(cut -d' ' -f1 /proc/loadavg) (other processes on the box add noise, mostly to p99)"
  echo "   total time $(($(date +%s) - T0)) s; logs, raw samples (single.us, cross.us) and client output: $WORK"
} | tee "$WORK/summary.txt"
