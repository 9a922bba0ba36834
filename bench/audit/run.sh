#!/usr/bin/env bash
# Vertdesk audit listing benchmark (issue 16; docs/performance.md "Environment").
#
#   bench/audit/run.sh [--quick]
#
# One Vertdesk node (the api verticle only, SQLite on tmpfs, -Xmx256m) pinned to core 0; the
# driver (bench/audit/AuditBench.java) on core 1 fills its database with 1 000 000 audit connection
# records straight through JDBC, then measures, over the API and, as the same-run reference, the
# same statements straight through JDBC on the same file:
#   1. a paged listing (GET /api/audits/conn, pageSize 100, random pages 1..100): p50/p99;
#   2. a filtered listing (remote LIKE '%NN%', conn_type, created_at of the last 15 days): p50/p99;
#   3. the CSV export of the whole listing: time against JDBC reading it to CSV in-process, and the
#      node's resident memory before and its peak after (the export is streamed in chunks: the
#      peak should not grow with the listing; a node that held it whole would not fit -Xmx256m).
# --quick: 200 000 records, 100 paged and 20 filtered samples (about 1 min); full: 1 000 000 records,
# 200 paged and 40 filtered samples (about 6 min).
# VERTDESK_JAR=<path> benchmarks another build of the jar instead of target/vertdesk.jar.
# Everything listens on and talks to 127.0.0.1 only.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
ROWS=1000000; SAMPLES=200
if [[ "${1:-}" == "--quick" ]]; then ROWS=200000; SAMPLES=100; elif [[ -n "${1:-}" ]]; then echo "usage: $0 [--quick]" >&2; exit 2; fi
JOPTS=(-Xms256m -Xmx256m -XX:+UseSerialGC)
HOST=127.0.0.1

WORK=$(mktemp -d /tmp/vertdesk-auditbench.XXXXXX)
if [[ -d /dev/shm && -w /dev/shm ]]; then SHM=$(mktemp -d /dev/shm/vertdesk-auditbench.XXXXXX); else SHM=$WORK/shm; mkdir -p "$SHM"; fi
PIDS_STARTED=()
cleanup() {
  for p in "${PIDS_STARTED[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.5
  for p in "${PIDS_STARTED[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$SHM"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cd "$ROOT"
JAR_SRC=${VERTDESK_JAR:-$ROOT/target/vertdesk.jar}
if [[ -z "${VERTDESK_JAR:-}" && ! -f target/vertdesk.jar ]]; then
  ./mvnw -q -B -o -DskipTests package >"$WORK/build.log" 2>&1 || { tail -20 "$WORK/build.log" >&2; exit 1; }
fi
cp "$JAR_SRC" "$WORK/vertdesk.jar"
JAR=$WORK/vertdesk.jar

# shellcheck source=../ports.sh
source "$HERE/../ports.sh"
PORT=$(free_ports 1 t)
mkdir -p "$SHM/data"
cat >"$WORK/vertdesk.json" <<JSON
{"dataDir": "$SHM/data", "key": "", "bind": "$HOST",
 "verticles": {"api": {"config": {"port": $PORT, "host": "$HOST"}},
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

{
  echo "== Vertdesk audit listing benchmark — $(date -u +%FT%TZ), $(nproc) CPUs, java $(java -version 2>&1 | awk -F'"' 'NR==1{print $2}'), node JVM opts: ${JOPTS[*]}; $ROWS records, $SAMPLES samples per listing"
  taskset -c 1 java -Xmx1g -cp "$JAR" "$HERE/AuditBench.java" "$PORT" "$SHM/data" "$V" "$ROWS" "$SAMPLES"
} | tee "$WORK/summary.txt"
kill "$V" 2>/dev/null || true
