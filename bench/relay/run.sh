#!/usr/bin/env bash
# Vertdesk relay benchmark (issue #3, "Benchmark command"; docs/performance.md §A, scenarios R1, R2, R4).
#
#   bench/relay/run.sh [--quick]
#
# Our relay (the jar, relay verticle only: no key, limits off) and nginx's `stream` proxy (Debian's
# nginx + libnginx-mod-stream, installed if missing, default 16 KiB buffers, one worker) run side
# by side on loopback, both pinned to core 0; the load tool (relayload.c, built here with gcc) runs
# on core 1. For our relay both ends of a pair connect to it and send the same RequestRelay; for
# nginx the sender connects to nginx, which connects to the tool's own sink. Steps:
#   1. memory per idle session: 5 000 pairs opened (one byte each way through each), then idle;
#      server RSS before/after (and, for the JVM, live heap after a full GC), on fresh processes;
#   2. bulk throughput of 1 and of 16 concurrent pairs (128 KiB writes, 3 s warm-up, 4 s measured),
#      ours and nginx alternately, >= 3 accepted runs each, ratio of medians;
#   3. 1 000 concurrent pairs at 180 kB/s each (6 000-byte writes, 30 per second: a remote-desktop
#      stream), server CPU time per GB relayed and RSS growth per session, both servers.
# Runs with foreign CPU > 0.05 core during the window (the noisy neighbour, docs/performance.md "Environment")
# are discarded and repeated. --quick: 1 run per cell, shorter windows, 2 000 idle pairs (≈ 1 min).
# Everything listens on and talks to 127.0.0.1 only; every process and loop is bounded in time.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
QUICK=0
if [[ "${1:-}" == "--quick" ]]; then QUICK=1; elif [[ -n "${1:-}" ]]; then echo "usage: $0 [--quick]" >&2; exit 2; fi
if ((QUICK)); then
  RUNS=1; WARM=2; SEC=3; IDLE_PAIRS=2000; PACED_RUNS=1; PACED_WARM=3; PACED_SEC=4; MAXTRY=3
else
  RUNS=3; WARM=3; SEC=4; IDLE_PAIRS=5000; PACED_RUNS=3; PACED_WARM=4; PACED_SEC=6; MAXTRY=6
fi
PACED_PAIRS=1000
PACED_RATE=180000   # bytes/s per pair
PACED_WSIZE=6000
FOREIGN_MAX=0.05
# fixed heap, as in the relay runs of docs/performance.md §A (one CPU => the JVM picks Serial GC), touched up front so
# that RSS growth shows memory outside the heap and live heap is measured separately (after a GC)
JOPTS=(-Xms512m -Xmx512m -XX:+AlwaysPreTouch)
T0=$(date +%s)

WORK=$(mktemp -d /tmp/vertdesk-relaybench.XXXXXX)
PIDS_STARTED=()
cleanup() {
  for p in "${PIDS_STARTED[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.5
  for p in "${PIDS_STARTED[@]}"; do kill -9 "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log() { printf '[%4ds] %s\n' $(($(date +%s) - T0)) "$*" >&2; }

# ---------------------------------------------------------------- tools
cd "$ROOT"
if [[ ! -f target/vertdesk.jar ]]; then
  log "building target/vertdesk.jar"
  ./mvnw -q -B -DskipTests package >"$WORK/build.log" 2>&1 || { tail -20 "$WORK/build.log" >&2; exit 1; }
fi
cp target/vertdesk.jar "$WORK/vertdesk.jar" # a rebuild during the run must not swap classes under the JVM
gcc -O2 -Wall -o "$WORK/relayload" "$HERE/relayload.c"
LOAD=$WORK/relayload
if ! command -v nginx >/dev/null || ! ls /usr/lib/nginx/modules/ngx_stream_module.so >/dev/null 2>&1; then
  log "installing nginx and its stream module (Debian packages)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq nginx libnginx-mod-stream >"$WORK/apt.log" 2>&1 \
    || { apt-get update -qq >>"$WORK/apt.log" 2>&1 && apt-get install -y -qq nginx libnginx-mod-stream >>"$WORK/apt.log" 2>&1; } \
    || { tail -20 "$WORK/apt.log" >&2; exit 1; }
  # the package may start a system nginx; it listens on :80 only and is left alone
fi
command -v jcmd >/dev/null || { echo "jcmd (JDK) is needed" >&2; exit 1; }

# shellcheck source=../ports.sh
source "$HERE/../ports.sh"
RPORT=$(free_ports 3 t)   # our relay
NPORT=$((RPORT + 1))      # nginx; NPORT+1 is the tool's sink behind it
SINK=$((NPORT + 1))

# ---------------------------------------------------------------- servers
start_relay() { # sets RPID
  mkdir -p "$WORK/data"
  cat >"$WORK/relay.json" <<EOF
{"dataDir": "$WORK/data", "key": "",
 "verticles": {"udp": {"enabled": false}, "signaling": {"enabled": false}, "nat": {"enabled": false},
   "ws": {"enabled": false}, "wsrelay": {"enabled": false}, "api": {"enabled": false}, "admin": {"enabled": false},
   "relay": {"enabled": true, "instances": 1, "config": {"host": "127.0.0.1", "port": $RPORT,
     "checkKey": false, "totalBandwidth": 0, "singleBandwidth": 0, "limitSpeed": 0,
     "idleTimeoutSeconds": 3600, "pairTimeoutSeconds": 120}}}}
EOF
  taskset -c 0 java "${JOPTS[@]}" -jar "$WORK/vertdesk.jar" -conf "$WORK/relay.json" >"$WORK/relay.log" 2>&1 &
  RPID=$!
  PIDS_STARTED+=("$RPID")
  for _ in $(seq 1 360); do # 90 s: a busy box can make a one-CPU JVM start slowly
    grep -q "relay listening" "$WORK/relay.log" && return 0
    kill -0 "$RPID" 2>/dev/null || break
    sleep 0.25
  done
  echo "relay did not start, see $WORK/relay.log:" >&2; tail -20 "$WORK/relay.log" >&2; exit 1
}
start_nginx() { # sets NGPID
  cat >"$WORK/stream.conf" <<EOF
load_module modules/ngx_stream_module.so;
worker_processes 1; daemon off; master_process off;
worker_rlimit_nofile 19500;
events { worker_connections 19000; }
stream { server { listen 127.0.0.1:$NPORT backlog=4096; proxy_pass 127.0.0.1:$SINK; } }
EOF
  taskset -c 0 nginx -c "$WORK/stream.conf" -g "pid $WORK/nginx.pid; error_log $WORK/nginx-error.log warn;" &
  NGPID=$!
  PIDS_STARTED+=("$NGPID")
  for _ in $(seq 1 40); do
    ss -Hltn "sport = :$NPORT" | grep -q . && return 0
    kill -0 "$NGPID" 2>/dev/null || break
    sleep 0.25
  done
  echo "nginx did not start:" >&2; cat "$WORK/nginx-error.log" >&2 2>/dev/null; exit 1
}
stop_pid() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# ---------------------------------------------------------------- helpers
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
heap_used_kb() { # live heap after two full GCs
  jcmd "$1" GC.run >/dev/null && jcmd "$1" GC.run >/dev/null
  jcmd "$1" GC.heap_info | awk 'match($0, /used [0-9]+K/) && !/Metaspace|class space/ {
    s += substr($0, RSTART + 5, RLENGTH - 6) } END { print s + 0 }'
}
busy_cores() {
  local a b
  a=$(head -1 /proc/stat); sleep 0.5; b=$(head -1 /proc/stat)
  awk -v a="$a" -v b="$b" -v hz="$(getconf CLK_TCK)" 'BEGIN { split(a, x); split(b, y);
    busy = 0; for (i = 2; i <= 9; i++) if (i != 5 && i != 6) busy += y[i] - x[i]; printf "%.3f", busy / hz / 0.5 }'
}
wait_quiet() { # two consecutive quiet half-seconds, at most 30 s of waiting
  local q=0 b
  for _ in $(seq 1 60); do
    b=$(busy_cores)
    if awk -v b="$b" 'BEGIN { exit !(b < 0.10) }'; then q=$((q + 1)); ((q >= 2)) && return 0; else q=0; fi
  done
  log "box not quiet (busy $b cores): running anyway, the foreign-CPU filter decides"
}
kv() { tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k { print $2 }'; }
stats() { # "median [min–max]"
  printf '%s\n' "$@" | sort -g | awk -v f="${FMT:-%.2f}" '{ v[NR] = $1 } END { if (!NR) { print "n/a"; exit }
    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf f " [" f "–" f "]", m, v[1], v[NR] }'
}
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (!NR) { print 0; exit } print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
pass() { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN { ok = op == ">=" ? v >= t : v < t; print ok ? "PASS" : "FAIL" }'; }

DISCARDED=0; FLAGGED=0; SEQ=0
# bulk <relay|proxy> <server pid> <port> <args after sinkport...>: one accepted run in OUT
bulk() {
  local mode=$1 spid=$2 port=$3; shift 3
  local try out f
  for try in $(seq 1 "$MAXTRY"); do
    wait_quiet
    SEQ=$((SEQ + 1))
    out=$(SRVPID=$spid timeout --foreground 120 taskset -c 1 "$LOAD" bulk "$mode" "$port" "$SINK" "$@" "" "b$SEQ")
    echo "$mode $* try=$try $out" >>"$WORK/runs.log"
    f=$(kv "$out" foreign)
    if awk -v f="$f" -v m="$FOREIGN_MAX" 'BEGIN { exit !(f <= m) }'; then OUT=$out; return 0; fi
    DISCARDED=$((DISCARDED + 1))
    log "  discarded (foreign CPU $f core)"
  done
  log "  no clean run in $MAXTRY attempts; keeping the last one (flagged)"
  OUT="$out flagged=1"; FLAGGED=1
}

# idle <relay|proxy> <server pid> <port> <pairs>: RSS (and heap) growth per pair, in IDLE_OUT
idle() {
  local mode=$1 spid=$2 port=$3 pairs=$4 r0 h0=0 r1 h1=0 line
  [[ $mode == relay ]] && h0=$(heap_used_kb "$spid")
  r0=$(rss_kb "$spid")
  SEQ=$((SEQ + 1))
  timeout --foreground 120 taskset -c 1 "$LOAD" idle "$mode" "$port" "$SINK" "$pairs" 12 "" "i$SEQ" >"$WORK/idle.out" 2>&1 &
  local lp=$!
  for _ in $(seq 1 200); do grep -q ready "$WORK/idle.out" && break; sleep 0.2; done
  line=$(grep ready "$WORK/idle.out" || true)
  sleep 3
  r1=$(rss_kb "$spid")
  [[ $mode == relay ]] && h1=$(heap_used_kb "$spid")
  wait "$lp" || true
  IDLE_OUT="$line rss_per_pair_b=$(( (r1 - r0) * 1024 / pairs )) heap_per_pair_b=$(( (h1 - h0) * 1024 / pairs )) rss0_kb=$r0 rss1_kb=$r1"
  echo "idle $mode $IDLE_OUT" >>"$WORK/runs.log"
  sleep 2 # let the server close the pairs
}

log "work dir $WORK; relay 127.0.0.1:$RPORT, nginx 127.0.0.1:$NPORT -> sink :$SINK; quick=$QUICK"

# ---------------------------------------------------------------- 1. idle memory on fresh servers
IDLE_R=(); IDLE_RH=(); IDLE_N=()
for r in 1 2; do
  ((QUICK)) && ((r > 1)) && break
  start_relay; sleep 2
  idle relay "$RPID" "$RPORT" "$IDLE_PAIRS"
  log "idle relay run $r: $IDLE_OUT"
  IDLE_R+=("$(kv "$IDLE_OUT" rss_per_pair_b)"); IDLE_RH+=("$(kv "$IDLE_OUT" heap_per_pair_b)")
  stop_pid "$RPID"
  start_nginx; sleep 1
  idle proxy "$NGPID" "$NPORT" "$IDLE_PAIRS"
  log "idle nginx run $r: $IDLE_OUT"
  IDLE_N+=("$(kv "$IDLE_OUT" rss_per_pair_b)")
  stop_pid "$NGPID"
done

# ---------------------------------------------------------------- 2. bulk throughput
start_relay; start_nginx; sleep 2
log "JIT warm-up of the relay"
SRVPID=$RPID taskset -c 1 "$LOAD" bulk relay "$RPORT" "$SINK" 16 1 3 131072 0 "" warm >/dev/null
declare -A G CPU
for n in 1 16; do
  for r in $(seq 1 "$RUNS"); do
    for who in relay nginx; do
      if [[ $who == relay ]]; then bulk relay "$RPID" "$RPORT" "$n" "$WARM" "$SEC" 131072 0
      else bulk proxy "$NGPID" "$NPORT" "$n" "$WARM" "$SEC" 131072 0; fi
      log "  $n stream(s), $who, run $r: $(kv "$OUT" gbps) Gbit/s, server $(kv "$OUT" srv_cores) core, $(kv "$OUT" srv_cpu_s_per_gb) s CPU/GB"
      G[$who.$n]+="$(kv "$OUT" gbps) "; CPU[$who.$n]+="$(kv "$OUT" srv_cpu_s_per_gb) "
    done
  done
done

# ---------------------------------------------------------------- 3. 1 000 paced sessions
declare -A P
for r in $(seq 1 "$PACED_RUNS"); do
  for who in relay nginx; do
    if [[ $who == relay ]]; then spid=$RPID; else spid=$NGPID; fi
    r0=$(rss_kb "$spid")
    if [[ $who == relay ]]; then bulk relay "$RPID" "$RPORT" "$PACED_PAIRS" "$PACED_WARM" "$PACED_SEC" "$PACED_WSIZE" "$PACED_RATE"
    else bulk proxy "$NGPID" "$NPORT" "$PACED_PAIRS" "$PACED_WARM" "$PACED_SEC" "$PACED_WSIZE" "$PACED_RATE"; fi
    per=$(( ($(kv "$OUT" srv_rss_kb) - r0) * 1024 / PACED_PAIRS ))
    log "  $PACED_PAIRS x ${PACED_RATE} B/s, $who, run $r: delivered $(kv "$OUT" gbps) Gbit/s by $(kv "$OUT" live) pairs, $(kv "$OUT" srv_cores) core, $(kv "$OUT" srv_cpu_s_per_gb) s CPU/GB, RSS +$per B/session"
    P[$who.gbps]+="$(kv "$OUT" gbps) "; P[$who.cpu]+="$(kv "$OUT" srv_cpu_s_per_gb) "; P[$who.rss]+="$per "
    P[$who.live]+="$(kv "$OUT" live) "
  done
done
stop_pid "$RPID"; stop_pid "$NGPID"

# ---------------------------------------------------------------- summary
row() { printf '%-44s %-24s %-24s %s\n' "$@"; }
{
  echo
  echo "== Vertdesk relay benchmark ($( ((QUICK)) && echo quick || echo full )) — $(date -u +%FT%TZ), $(nproc) CPUs, java $(java -version 2>&1 | awk -F'"' 'NR==1{print $2}'), $(nginx -v 2>&1 | sed 's/.*: //')"
  echo "   servers pinned to core 0, load tool to core 1; JVM ${JOPTS[*]}; median [min–max] of $RUNS accepted run(s) per cell;"
  echo "   $DISCARDED run(s) discarded for foreign CPU > $FOREIGN_MAX core$( ((FLAGGED)) && echo '; SOME CELLS FLAGGED (no clean run)')"
  row "metric" "Vertdesk relay" "nginx stream" "ratio (target)"
  for n in 1 16; do
    read -ra a <<<"${G[relay.$n]}"; read -ra b <<<"${G[nginx.$n]}"
    rt=$(ratio "$(median "${a[@]}")" "$(median "${b[@]}")")
    row "throughput, $n pair(s), Gbit/s" "$(stats "${a[@]}")" "$(stats "${b[@]}")" "$rt (>= 0.90: $(pass "$rt" 0.90 ">="))"
    read -ra a <<<"${CPU[relay.$n]}"; read -ra b <<<"${CPU[nginx.$n]}"
    row "  server CPU s per GB, $n pair(s)" "$(stats "${a[@]}")" "$(stats "${b[@]}")" "$(ratio "$(median "${a[@]}")" "$(median "${b[@]}")")"
  done
  read -ra a <<<"${P[relay.gbps]}"; read -ra b <<<"${P[nginx.gbps]}"
  row "$PACED_PAIRS pairs x 180 kB/s: delivered Gbit/s" "$(stats "${a[@]}")" "$(stats "${b[@]}")" "offered $(awk -v n=$PACED_PAIRS -v r=$PACED_RATE 'BEGIN{printf "%.2f", n*r*8/1e9}')"
  read -ra a <<<"${P[relay.cpu]}"; read -ra b <<<"${P[nginx.cpu]}"
  row "  server CPU s per GB relayed" "$(stats "${a[@]}")" "$(stats "${b[@]}")" "$(ratio "$(median "${a[@]}")" "$(median "${b[@]}")")"
  read -ra a <<<"${P[relay.rss]}"; read -ra b <<<"${P[nginx.rss]}"
  row "  RSS growth per active session, B (JVM: outside the heap)" "$(FMT=%.0f stats "${a[@]}")" "$(FMT=%.0f stats "${b[@]}")" ""
  row "  pairs delivering data" "${P[relay.live]}" "${P[nginx.live]}" ""
  IDLE_T=(); for i in "${!IDLE_R[@]}"; do IDLE_T+=($((IDLE_R[i] + IDLE_RH[i]))); done
  row "idle session ($IDLE_PAIRS pairs), B per pair:" "" "" ""
  row "  live heap (after GC) + RSS growth" "$(FMT=%.0f stats "${IDLE_T[@]}")" "$(FMT=%.0f stats "${IDLE_N[@]}")" "< 65536: $(pass "$(median "${IDLE_T[@]}")" 65536 "<")"
  row "  of which live JVM heap" "$(FMT=%.0f stats "${IDLE_RH[@]}")" "-" ""
  row "  of which RSS growth outside the heap" "$(FMT=%.0f stats "${IDLE_R[@]}")" "$(FMT=%.0f stats "${IDLE_N[@]}")" ""
  echo "   total time $(($(date +%s) - T0)) s; logs and raw lines: $WORK (runs.log)"
} | tee "$WORK/summary.txt"
