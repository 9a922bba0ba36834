#!/usr/bin/env bash
# RegisterPk throughput with every OK committed (issue 13, "Registrations under a flood").
#
#   bench/udp/regpk.sh [--quick]
#
# Three stores: SQLite on disk (this work directory, under /tmp), SQLite on tmpfs (/dev/shm), and
# PostgreSQL (Debian's postgresql, installed if missing, its data on disk, fsync on). For each,
# alternately and RUNS times:
#   Vertdesk:  a node with only the UDP verticle and a fresh database, pinned to core 0; udpreg
#              (core 1) registers new devices with RegisterPk from NSOCK sockets, one request in
#              flight each: WARM s of warm-up, then SEC s measured. The node then stops and the
#              rows of the measured IDs are counted: every OK must name a committed row.
#   reference: StoreCeiling (core 0) inserts the same kind of rows straight into a fresh database
#              of the same kind, in transactions of 256 (the server's largest batch), one at a
#              time: what the database itself takes, with nothing else in the way.
# It prints median [min–max] of both and their ratio. Runs with more than 0.05 core of foreign CPU
# (docs/performance.md "Environment") are repeated, up to MAXTRY attempts; a run without a quiet
# repeat is kept and flagged NOISY.
# VERTDESK_JAR=<path> benchmarks another build instead of target/vertdesk.jar; BASELINE_JAR=<path>
# also runs the same load against that build (e.g. the previous commit's jar) for an A/B ratio.
# Everything listens on and talks to 127.0.0.1 only; every process and loop is bounded in time.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
QUICK=0
if [[ "${1:-}" == "--quick" ]]; then QUICK=1; elif [[ -n "${1:-}" ]]; then echo "usage: $0 [--quick]" >&2; exit 2; fi
if ((QUICK)); then RUNS=1; WARM=3; SEC=5; MAXTRY=2; else RUNS=3; WARM=4; SEC=10; MAXTRY=3; fi
NSOCK=512             # requests in flight: under db.queuePerSource (1000), as many as a busy NAT
BATCH=256             # the server's largest batch (BatchedPeerStore.MAX_BATCH)
FOREIGN_MAX=0.05
HOST=127.0.0.1
JOPTS=(-Xms1g -Xmx1g -XX:+UseSerialGC)
PGBIN=/usr/lib/postgresql/15/bin
T0=$(date +%s)

WORK=$(mktemp -d /tmp/vertdesk-regpk.XXXXXX)
SHM=$(mktemp -d /dev/shm/vertdesk-regpk.XXXXXX)
PIDS_STARTED=()
PGDATA=""
cleanup() {
  for p in "${PIDS_STARTED[@]}"; do kill "$p" 2>/dev/null || true; done
  [[ -n "$PGDATA" && -f "$PGDATA/postmaster.pid" ]] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate stop >/dev/null 2>&1 || true
  sleep 0.5
  for p in "${PIDS_STARTED[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$SHM"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log() { printf '[%4ds] %s\n' $(($(date +%s) - T0)) "$*" >&2; }
kv() { tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k { print $2 }'; }

# ---------------------------------------------------------------- build
cd "$ROOT"
JAR_SRC=${VERTDESK_JAR:-$ROOT/target/vertdesk.jar}
if [[ -z "${VERTDESK_JAR:-}" && ! -f target/vertdesk.jar ]]; then
  log "building target/vertdesk.jar"
  ./mvnw -q -B -DskipTests package >"$WORK/build.log" 2>&1 || { tail -20 "$WORK/build.log" >&2; exit 1; }
fi
cp "$JAR_SRC" "$WORK/vertdesk.jar" # a rebuild during the run must not swap classes under the JVM
JARS=(vertdesk)
if [[ -n "${BASELINE_JAR:-}" ]]; then cp "$BASELINE_JAR" "$WORK/baseline.jar"; JARS+=(baseline); fi
gcc -O2 -Wall -o "$WORK/udpreg" "$HERE/udpreg.c"
javac -nowarn -cp "$WORK/vertdesk.jar" -d "$WORK" "$HERE/StoreCeiling.java" 2>"$WORK/javac.log" || { cat "$WORK/javac.log" >&2; exit 1; }
# shellcheck source=../ports.sh
source "$HERE/../ports.sh"
PORT=$(free_ports 1 u)

# ---------------------------------------------------------------- PostgreSQL
if [[ ! -x $PGBIN/postgres ]]; then
  log "installing Debian's postgresql"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >"$WORK/apt.log" 2>&1 || { tail "$WORK/apt.log" >&2; exit 1; }
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin | tail -1)
fi
PGPORT=$(free_ports 1 t)
PGDATA=$WORK/pg/data # on disk; the server runs as the postgres user, which owns $WORK/pg
mkdir -p "$WORK/pg" && chown postgres: "$WORK/pg" && chmod 755 "$WORK"
runuser -u postgres -- "$PGBIN/initdb" -D "$PGDATA" -A trust -U postgres >"$WORK/initdb.log" 2>&1
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -l "$WORK/pg/postgres.log" -w -t 60 \
  -o "-p $PGPORT -c listen_addresses=$HOST -c unix_socket_directories='' -c max_connections=50" start >/dev/null
PGPID=$(head -1 "$PGDATA/postmaster.pid")
pg_pids() { echo "$PGPID $(pgrep -P "$PGPID" | head -12 | tr '\n' ' ')"; }
new_pg_db() { # prints the URL of a fresh database (called in a subshell: the name is unique by itself)
  local name
  name=regpk$(date +%s%N)
  psql -q -h $HOST -p "$PGPORT" -U postgres -d postgres -c "create database $name" >/dev/null
  echo "postgres://postgres@$HOST:$PGPORT/$name?pool_size=4"
}

# ---------------------------------------------------------------- runs
FIRST=500000000 # measured IDs; warm-up IDs are below
store_dir() { case $1 in tmpfs) echo "$SHM/$2" ;; *) echo "$WORK/$2" ;; esac; }

# vertdesk_run <jar> <store> <n>: sets OUT (udpreg's line + rows=) and CLEAN
vertdesk_run() {
  local jar=$1 store=$2 n=$3 try dir url db conf vp out rows
  for try in $(seq 1 "$MAXTRY"); do
    dir=$(store_dir "$store" "$jar-$store-$n-$try")
    mkdir -p "$dir"
    url="db_v2.sqlite3"
    [[ $store == postgres ]] && url=$(new_pg_db)
    conf=$WORK/$jar-$store.json
    cat >"$conf" <<EOF
{"dataDir": "$dir", "key": "", "bind": "$HOST", "db": {"url": "$url"}, "drainGraceSeconds": 0, "drainTimeoutSeconds": 0,
 "verticles": {"udp": {"config": {"port": $PORT, "host": "$HOST", "rmem": 4194304}},
               "signaling": {"enabled": false}, "nat": {"enabled": false}, "relay": {"enabled": false},
               "ws": {"enabled": false}, "wsrelay": {"enabled": false}, "api": {"enabled": false}, "admin": {"enabled": false}},
 "limits": {"ipMaxPerWindow": 1000000000, "idsPerIpPerDay": 1000000000, "idMaxPerWindow": 1000000}}
EOF
    taskset -c 0 java "${JOPTS[@]}" -jar "$WORK/$jar.jar" -conf "$conf" >"$WORK/$jar-$store-$n.log" 2>&1 &
    vp=$!
    PIDS_STARTED+=("$vp")
    for _ in $(seq 1 240); do grep -q "UDP registration listening" "$WORK/$jar-$store-$n.log" && break; kill -0 "$vp" 2>/dev/null || break; sleep 0.25; done
    grep -q "UDP registration listening" "$WORK/$jar-$store-$n.log" || { tail -20 "$WORK/$jar-$store-$n.log" >&2; exit 1; }
    local pids="$vp"
    [[ $store == postgres ]] && pids="$vp $(pg_pids)"
    PIDS="$pids" taskset -c 1 "$WORK/udpreg" reg $HOST "$PORT" 100000000 100000000 "$NSOCK" "$WARM" 0 >/dev/null || true
    # the warm-up's last requests are still being written: their answers must not reach the measured
    # run's sockets, which the kernel may give the same port numbers (an answer names no ID, so udpreg
    # would count it as the OK of its own request)
    sleep 3
    out=$(PIDS="$pids" taskset -c 1 "$WORK/udpreg" reg $HOST "$PORT" "$FIRST" 100000000 "$NSOCK" "$SEC" 0 || true)
    kill "$vp"; wait "$vp" 2>/dev/null || true
    if [[ $store == postgres ]]; then
      rows=$(java -cp "$WORK/vertdesk.jar:$WORK" StoreCeiling count-postgres "$url" "$FIRST" 2>/dev/null | awk -F= '/^rows=/ { print $2 }')
    else
      rows=$(java -cp "$WORK/vertdesk.jar:$WORK" StoreCeiling count-sqlite "$dir/db_v2.sqlite3" "$FIRST" 2>/dev/null | awk -F= '/^rows=/ { print $2 }')
    fi
    [[ $store != postgres ]] && rm -rf "$dir"
    OUT="$out rows=${rows:--1}"
    echo "$jar $store run=$n try=$try $OUT" >>"$WORK/runs.log"
    if awk -v f="$(kv "$out" foreign)" -v m=$FOREIGN_MAX 'BEGIN { exit !(f <= m) }'; then CLEAN=1; return; fi
    log "  $jar $store: discarded (foreign CPU $(kv "$out" foreign) core)"
  done
  CLEAN=0
}

# ceiling_run <store> <n>: sets OUT and CLEAN
ceiling_run() {
  local store=$1 n=$2 try dir out
  for try in $(seq 1 "$MAXTRY"); do
    if [[ $store == postgres ]]; then
      out=$(taskset -c 0 java -Dpids="$(pg_pids)" -cp "$WORK/vertdesk.jar:$WORK" StoreCeiling postgres "$(new_pg_db)" $BATCH "$WARM" "$SEC" 2>/dev/null | grep '^mode=')
    else
      dir=$(store_dir "$store" "ceiling-$n-$try"); mkdir -p "$dir"
      out=$(taskset -c 0 java -cp "$WORK/vertdesk.jar:$WORK" StoreCeiling sqlite "$dir/db.sqlite3" $BATCH "$WARM" "$SEC" 2>/dev/null | grep '^mode=')
      rm -rf "$dir"
    fi
    OUT=$out
    echo "ceiling $store run=$n try=$try $OUT" >>"$WORK/runs.log"
    if awk -v f="$(kv "$out" foreign)" -v m=$FOREIGN_MAX 'BEGIN { exit !(f <= m) }'; then CLEAN=1; return; fi
    log "  reference $store: discarded (foreign CPU $(kv "$out" foreign) core)"
  done
  CLEAN=0
}

stats() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (!NR) { print "n/a"; exit }
  m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.0f [%.0f–%.0f]", m, v[1], v[NR] }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

declare -A RATE NOISY COMMITTED
for store in disk tmpfs postgres; do
  for n in $(seq 1 "$RUNS"); do
    for jar in "${JARS[@]}"; do
      vertdesk_run "$jar" "$store" "$n"
      log "$jar $store run $n: $OUT"
      RATE[$jar,$store]="${RATE[$jar,$store]:-} $(kv "$OUT" per_s)"
      ((CLEAN)) || NOISY[$jar,$store]=1
      if (($(kv "$OUT" rows) < $(kv "$OUT" ok))); then COMMITTED[$jar,$store]=FAIL; fi
    done
    ceiling_run "$store" "$n"
    log "reference $store run $n: $OUT"
    RATE[ceiling,$store]="${RATE[ceiling,$store]:-} $(kv "$OUT" rows_per_s)"
    ((CLEAN)) || NOISY[ceiling,$store]=1
  done
done
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null 2>&1 || true

# ---------------------------------------------------------------- summary
{
  echo
  echo "== RegisterPk with every OK committed ($( ((QUICK)) && echo quick || echo full )) — $(date -u +%FT%TZ), $(nproc) CPUs, java $(java -version 2>&1 | awk -F'"' 'NR==1{print $2}')"
  echo "   server and reference pinned to core 0, udpreg to core 1; $NSOCK requests in flight; $SEC s measured after $WARM s; median [min–max] of $RUNS runs"
  printf '%-22s %-26s %-26s %s\n' "store" "Vertdesk, OK/s" "reference, rows/s" "ratio    every OK committed"
  for store in disk tmpfs postgres; do
    for jar in "${JARS[@]}"; do
      # shellcheck disable=SC2086
      printf '%-22s %-26s %-26s %s\n' "$store ($jar)" "$(stats ${RATE[$jar,$store]})${NOISY[$jar,$store]:+ NOISY}" \
        "$(stats ${RATE[ceiling,$store]})${NOISY[ceiling,$store]:+ NOISY}" \
        "$(awk -v a="$(median ${RATE[$jar,$store]})" -v b="$(median ${RATE[ceiling,$store]})" 'BEGIN { printf "%.2f", b > 0 ? a / b : 0 }')     ${COMMITTED[$jar,$store]:-PASS}"
    done
  done
  echo "   raw lines: $WORK/runs.log; total time $(($(date +%s) - T0)) s"
} | tee "$WORK/summary.txt"
