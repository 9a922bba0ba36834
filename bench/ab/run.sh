#!/usr/bin/env bash
# Vertdesk address book pull benchmark (issue 16; docs/performance.md "Environment").
#
#   bench/ab/run.sh [--quick]
#
# One Vertdesk node (api verticle only, SQLite in /dev/shm) and a minimal vertx-web server that
# answers the same pages from memory (bench/ab/MinimalAb.java: router, BodyHandler, one handler;
# the same-run reference) run side by side, both pinned to core 0 with the same JVM options; the
# client (bench/ab/AbPull.java, JDK HttpClient, one keep-alive connection) runs on core 1. Steps:
#   1. the admin's personal book gets 10 000 peers (10 tags) by one legacy push (POST /api/ab);
#   2. one pull is dumped and handed to the reference, which serves those exact bytes;
#   3. whole-book pulls exactly as the client makes them (POST /api/ab/peers?current=&pageSize=100
#      &ab=, 100 pages while current * 100 < total), Vertdesk and the reference alternately,
#      RUNS runs of PULLS timed pulls each after WARM untimed ones; p50 and p99 of the whole pull;
#   4. Vertdesk's resident memory before the pulls and its peak (VmHWM) after them.
# --quick: fewer pulls (≲ 2 min; full run ≲ 6 min).
# VERTDESK_JAR=<path> benchmarks another build of the jar instead of target/vertdesk.jar.
# Everything listens on and talks to 127.0.0.1 only; every process and loop is bounded in time.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
QUICK=0
if [[ "${1:-}" == "--quick" ]]; then QUICK=1; elif [[ -n "${1:-}" ]]; then echo "usage: $0 [--quick]" >&2; exit 2; fi
if ((QUICK)); then RUNS=3; WARM=3; PULLS=10; else RUNS=3; WARM=5; PULLS=30; fi
PEERS=10000
JOPTS=(-Xms512m -Xmx512m -XX:+UseSerialGC)
HOST=127.0.0.1
T0=$(date +%s)

WORK=$(mktemp -d /tmp/vertdesk-abbench.XXXXXX)
if [[ -d /dev/shm && -w /dev/shm ]]; then SHM=$(mktemp -d /dev/shm/vertdesk-abbench.XXXXXX); else SHM=$WORK/shm; mkdir -p "$SHM"; fi
PIDS_STARTED=()
cleanup() {
  for p in "${PIDS_STARTED[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.5
  for p in "${PIDS_STARTED[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$SHM"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log() { printf '[%4ds] %s\n' $(($(date +%s) - T0)) "$*" >&2; }

# ---------------------------------------------------------------- build
cd "$ROOT"
JAR_SRC=${VERTDESK_JAR:-$ROOT/target/vertdesk.jar}
if [[ -z "${VERTDESK_JAR:-}" && ! -f target/vertdesk.jar ]]; then
  log "building target/vertdesk.jar"
  ./mvnw -q -B -o -DskipTests package >"$WORK/build.log" 2>&1 || { tail -20 "$WORK/build.log" >&2; exit 1; }
fi
cp "$JAR_SRC" "$WORK/vertdesk.jar" # a rebuild during the run must not swap classes under the JVM
JAR=$WORK/vertdesk.jar
javac -nowarn -cp "$JAR" -d "$WORK" "$HERE/MinimalAb.java" "$HERE/AbPull.java" 2>"$WORK/javac.log" \
  || { cat "$WORK/javac.log" >&2; exit 1; }
# shellcheck source=../ports.sh
source "$HERE/../ports.sh"
client() { taskset -c 1 timeout 600 java -cp "$WORK" AbPull "$@"; }
rss_kb() { awk -v k="$2" '$1 == k":" { print $2 }' "/proc/$1/status"; }

# ---------------------------------------------------------------- servers
TPORTS=$(free_ports 2 t)
VPORT=$TPORTS
RPORT=$((TPORTS + 1))
log "work dir $WORK; Vertdesk api on $HOST:$VPORT, reference on $HOST:$RPORT; quick=$QUICK"
mkdir -p "$SHM/data"
cat >"$WORK/vertdesk.json" <<JSON
{"dataDir": "$SHM/data", "key": "", "bind": "$HOST",
 "verticles": {"api": {"config": {"port": $VPORT, "host": "$HOST", "maxBodyBytes": 8388608}},
               "udp": {"enabled": false}, "signaling": {"enabled": false}, "nat": {"enabled": false},
               "relay": {"enabled": false}, "ws": {"enabled": false}, "wsrelay": {"enabled": false},
               "admin": {"enabled": false}}}
JSON
taskset -c 0 java "${JOPTS[@]}" -jar "$JAR" -conf "$WORK/vertdesk.json" >"$WORK/vertdesk.log" 2>&1 &
V=$!
PIDS_STARTED+=("$V")
for _ in $(seq 1 240); do
  grep -q "api listening" "$WORK/vertdesk.log" && break
  kill -0 "$V" 2>/dev/null || break
  sleep 0.25
done
grep -q "api listening" "$WORK/vertdesk.log" || { echo "Vertdesk did not start:" >&2; tail -20 "$WORK/vertdesk.log" >&2; exit 1; }

# ---------------------------------------------------------------- step 1, 2: the book
PASSWORD=$(tr -d '\n' <"$SHM/data/admin-password.txt")
LOGIN=$(curl -sS --max-time 30 -H 'Content-Type: application/json' "http://$HOST:$VPORT/api/login" \
  -d "{\"username\":\"admin\",\"password\":\"$PASSWORD\",\"id\":\"123456789\",\"uuid\":\"MDAw\",\"autoLogin\":true,\"type\":\"account\"}")
TOKEN=$(sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p' <<<"$LOGIN")
[[ -n $TOKEN ]] || { echo "login failed: $LOGIN" >&2; exit 1; }
log "filling the admin's personal book with $PEERS peers (one legacy push)"
client fill "$HOST" "$VPORT" "$TOKEN" "$PEERS"
BOOK=$(client book "$HOST" "$VPORT" "$TOKEN")
client dump "$HOST" "$VPORT" "$TOKEN" "$BOOK" "$WORK/pages.txt"
log "  book $BOOK: $(wc -l <"$WORK/pages.txt") pages, $(wc -c <"$WORK/pages.txt") bytes"
taskset -c 0 java "${JOPTS[@]}" -cp "$JAR:$WORK" MinimalAb "$HOST" "$RPORT" "$WORK/pages.txt" >"$WORK/reference.log" 2>&1 &
R=$!
PIDS_STARTED+=("$R")
for _ in $(seq 1 120); do grep -q listening "$WORK/reference.log" && break; sleep 0.25; done
grep -q listening "$WORK/reference.log" || { cat "$WORK/reference.log" >&2; exit 1; }

# ---------------------------------------------------------------- step 3, 4: pulls
RSS_BEFORE=$(rss_kb "$V" VmRSS)
kv() { tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k { print $2 }'; }
P50_V=(); P99_V=(); P50_R=(); P99_R=(); ERRORS=0
for r in $(seq 1 "$RUNS"); do
  for who in V R; do
    port=$VPORT; [[ $who == R ]] && port=$RPORT
    OUT=$(client pull "$HOST" "$port" "$TOKEN" "$BOOK" "$WARM" "$PULLS" "$PEERS")
    echo "$who run $r: $OUT" >>"$WORK/runs.log"
    log "  $who run $r: $OUT"
    eval "P50_$who+=(\"$(kv "$OUT" p50_ms)\")"; eval "P99_$who+=(\"$(kv "$OUT" p99_ms)\")"
    ERRORS=$((ERRORS + $(kv "$OUT" errors)))
  done
done
RSS_AFTER=$(rss_kb "$V" VmRSS)
HWM=$(rss_kb "$V" VmHWM)
kill "$R" "$V" 2>/dev/null || true
wait "$V" 2>/dev/null || true

# ---------------------------------------------------------------- summary
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
stats() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
  printf "%.1f [%.1f–%.1f]", m, v[1], v[NR] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
{
  echo
  echo "== Vertdesk address book pull benchmark ($( ((QUICK)) && echo quick || echo full )) — $(date -u +%FT%TZ), $(nproc) CPUs, java $(java -version 2>&1 | awk -F'"' 'NR==1{print $2}'), JVM opts: ${JOPTS[*]}"
  echo "   $PEERS peers in one book (SQLite), 100 pages of 100 per pull on one keep-alive connection; servers on core 0, client on core 1; median [min–max] over $RUNS runs of $PULLS pulls"
  printf '%-36s %-24s %-24s %s\n' "metric (whole pull, ms)" "Vertdesk" "vertx-web from memory" "ratio"
  printf '%-36s %-24s %-24s %s\n' "p50" "$(stats "${P50_V[@]}")" "$(stats "${P50_R[@]}")" "$(ratio "$(median "${P50_V[@]}")" "$(median "${P50_R[@]}")")x"
  printf '%-36s %-24s %-24s %s\n' "p99" "$(stats "${P99_V[@]}")" "$(stats "${P99_R[@]}")" "$(ratio "$(median "${P99_V[@]}")" "$(median "${P99_R[@]}")")x"
  echo "   Vertdesk resident memory: $((RSS_BEFORE / 1024)) MiB before the pulls, $((RSS_AFTER / 1024)) MiB after, peak $((HWM / 1024)) MiB (heap fixed at ${JOPTS[1]#-Xmx}); failed pulls: $ERRORS"
  echo "   raw runs: $WORK/runs.log"
} | tee "$WORK/summary.txt"
