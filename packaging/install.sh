#!/usr/bin/env bash
# Installs Vertdesk on Debian/Ubuntu:
#   jar              -> /opt/vertdesk/vertdesk.jar
#   plugin jars      -> /opt/vertdesk/plugins (the *.jar in plugins/ next to --jar, e.g.
#                       target/plugins/vertdesk-webhook.jar; they run only when configured)
#   systemd units    -> /etc/systemd/system/vertdesk{,-id,-relay}.service
#   command wrapper  -> /usr/local/bin/vertdesk ("vertdesk admin status", "vertdesk genkeypair")
#   data directory   -> /var/lib/vertdesk (0750, owned by the system user "vertdesk")
#   settings         -> /etc/default/vertdesk (created once, never overwritten), /etc/vertdesk/
# A Java 17+ runtime is installed with apt (openjdk-17-jre-headless) when none is found.
#
# --adopt <dir> copies a rustdesk-server data directory's files (id_ed25519, id_ed25519.pub,
# db_v2.sqlite3 and its -wal, .env, blacklist.txt, blocklist.txt) into the data directory.
# Files already there are kept unless --force (replaced ones are saved as <name>.bak-<time>).
#
# --root <prefix> installs every file under <prefix> and only prints the system changes it
# would make (useradd, chown, apt-get, systemctl), so it can run unprivileged, e.g. in tests.
# Running it again is safe: unchanged files are left alone.
set -eu

usage() {
  cat <<'EOF'
Usage: install.sh [options]

  --jar <file>        the vertdesk.jar to install (default: vertdesk.jar next to this script,
                      else ../target/vertdesk.jar)
  --adopt <dir>       copy an existing rustdesk-server data directory's keys, database, .env
                      and black/block lists into /var/lib/vertdesk
  --force             with --adopt: replace files that already exist in the data directory
                      (keys included)
  --unit all|split    all: vertdesk.service (ID server and relay in one JVM, the default);
                      split: vertdesk-id.service and vertdesk-relay.service
  --no-start          install only; do not enable or start any unit (also what happens where
                      systemd is not running: containers, WSL)
  --root <prefix>     install under <prefix>; print instead of running useradd, chown,
                      apt-get and systemctl
  -h, --help          this text
EOF
}

die() {
  echo "install.sh: $*" >&2
  exit 1
}

need_value() {
  [ "$2" -ge 2 ] || die "$1 needs a value (see --help)"
}

ROOT=""
JAR=""
ADOPT=""
FORCE=0
UNIT="all"
START=1

while [ "$#" -gt 0 ]; do
  case "$1" in
    --jar) need_value "$1" "$#"; JAR=$2; shift 2 ;;
    --adopt) need_value "$1" "$#"; ADOPT=$2; shift 2 ;;
    --root) need_value "$1" "$#"; ROOT=$2; shift 2 ;;
    --unit) need_value "$1" "$#"; UNIT=$2; shift 2 ;;
    --force) FORCE=1; shift ;;
    --no-start) START=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done

case "$UNIT" in
  all|split) ;;
  *) die "--unit must be all or split, got: $UNIT" ;;
esac

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
SERVICE_USER=vertdesk
UNITS="vertdesk.service vertdesk-id.service vertdesk-relay.service"
STAMP=$(date +%Y%m%d%H%M%S)

DRY=0
if [ -n "$ROOT" ]; then
  DRY=1
  mkdir -p "$ROOT"
  ROOT=$(cd "$ROOT" && pwd)
  [ "$ROOT" != "/" ] || ROOT=""
fi

OPT_DIR="$ROOT/opt/vertdesk"
UNIT_DIR="$ROOT/etc/systemd/system"
BIN_DIR="$ROOT/usr/local/bin"
CONF_DIR="$ROOT/etc/vertdesk"
DEFAULTS_FILE="$ROOT/etc/default/vertdesk"
DATA_DIR="$ROOT/var/lib/vertdesk"

# Runs a command that changes the system outside the installed files; only printed under --root.
system() {
  if [ "$DRY" -eq 1 ]; then
    echo "would run:$(printf ' %q' "$@")"
  else
    echo "+$(printf ' %q' "$@")"
    "$@"
  fi
}

# ---- sources ----

if [ -z "$JAR" ]; then
  for candidate in "$SCRIPT_DIR/vertdesk.jar" "$SCRIPT_DIR/../target/vertdesk.jar"; do
    if [ -f "$candidate" ]; then
      JAR=$candidate
      break
    fi
  done
  [ -n "$JAR" ] || die "no vertdesk.jar next to this script or in ../target; pass --jar <file>"
fi
[ -f "$JAR" ] || die "jar not found: $JAR"

UNIT_SRC=""
for candidate in "$SCRIPT_DIR/systemd" "$SCRIPT_DIR/../systemd"; do
  if [ -f "$candidate/vertdesk.service" ]; then
    UNIT_SRC=$candidate
    break
  fi
done
[ -n "$UNIT_SRC" ] || die "systemd units not found next to this script (systemd/ or ../systemd/)"
WRAPPER_SRC="$SCRIPT_DIR/vertdesk"
[ -f "$WRAPPER_SRC" ] || WRAPPER_SRC="$SCRIPT_DIR/packaging/vertdesk"
[ -f "$WRAPPER_SRC" ] || die "the vertdesk wrapper script was not found next to this script"
for u in $UNITS; do
  [ -f "$UNIT_SRC/$u" ] || die "missing unit file $UNIT_SRC/$u"
done

if [ -n "$ADOPT" ]; then
  [ -d "$ADOPT" ] || die "--adopt: not a directory: $ADOPT"
  ADOPT=$(cd "$ADOPT" && pwd)
fi

if [ "$DRY" -eq 0 ] && [ "$(id -u)" -ne 0 ]; then
  die "run as root (or use --root <prefix> for a trial install)"
fi

# ---- helpers ----

# install_file <src> <dest> <mode>: copies unless identical; replaces atomically.
install_file() {
  if [ -f "$2" ] && cmp -s "$1" "$2"; then
    chmod "$3" "$2"
    echo "unchanged: $2"
    return
  fi
  # explicit checks: set -e does not apply inside functions called from conditions
  cp "$1" "$2.new.$$" || die "cannot copy $1 to $2"
  chmod "$3" "$2.new.$$" || die "cannot chmod $2.new.$$"
  mv -f "$2.new.$$" "$2" || die "cannot replace $2"
  echo "installed: $2"
}

# The number of bytes a base64 key file decodes to (whitespace ignored), 0 if it is not base64.
key_bytes() {
  tr -d ' \t\r\n' <"$1" | base64 -d 2>/dev/null | wc -c | tr -d ' ' || echo 0
}

ADOPTED=""

# adopt_file <name> <mode>: copies <name> from the adopted directory; 0 = copied or in place.
adopt_file() {
  src="$ADOPT/$1"
  dest="$DATA_DIR/$1"
  if [ -e "$dest" ]; then
    if cmp -s "$src" "$dest"; then
      echo "already in place: $dest"
      return 0
    fi
    if [ "$FORCE" -eq 0 ]; then
      echo "keeping existing $dest (it differs from $src; --force replaces it)"
      return 1
    fi
    cp -p "$dest" "$dest.bak-$STAMP" || die "cannot back up $dest"
    chmod 0600 "$dest.bak-$STAMP"
    echo "saved the previous $1 as $dest.bak-$STAMP"
  fi
  # explicit checks: set -e does not apply inside functions called from conditions
  cp -p "$src" "$dest.new.$$" || die "cannot copy $src"
  chmod "$2" "$dest.new.$$" || die "cannot chmod $dest.new.$$"
  mv -f "$dest.new.$$" "$dest" || die "cannot replace $dest"
  ADOPTED="$ADOPTED $1"
  echo "adopted: $src -> $dest"
  return 0
}

adopt() {
  echo "adopting rustdesk-server data from $ADOPT"
  found=0
  for f in id_ed25519 id_ed25519.pub db_v2.sqlite3 .env blacklist.txt blocklist.txt; do
    [ -f "$ADOPT/$f" ] && found=1
  done
  [ "$found" -eq 1 ] || die "--adopt: $ADOPT holds none of id_ed25519, id_ed25519.pub, db_v2.sqlite3, .env, blacklist.txt, blocklist.txt"

  # The key pair moves as a unit, so a kept secret key never meets a foreign public key.
  if [ -f "$ADOPT/id_ed25519" ]; then
    n=$(key_bytes "$ADOPT/id_ed25519")
    [ "$n" = 64 ] || die "--adopt: $ADOPT/id_ed25519 is not base64 of a 64-byte Ed25519 secret key"
    if [ "$FORCE" -eq 0 ] && { [ -e "$DATA_DIR/id_ed25519" ] || [ -e "$DATA_DIR/id_ed25519.pub" ]; } \
        && ! cmp -s "$ADOPT/id_ed25519" "$DATA_DIR/id_ed25519"; then
      echo "keeping the existing key pair in $DATA_DIR (it differs from $ADOPT; --force replaces it)"
    else
      adopt_file id_ed25519 0600 || true
      if [ -f "$ADOPT/id_ed25519.pub" ]; then
        adopt_file id_ed25519.pub 0644 || true
      elif [ -e "$DATA_DIR/id_ed25519.pub" ] && case " $ADOPTED " in *" id_ed25519 "*) true ;; *) false ;; esac; then
        # a public key file of another pair would stop the server (it reads the pk from id_ed25519)
        mv -f "$DATA_DIR/id_ed25519.pub" "$DATA_DIR/id_ed25519.pub.bak-$STAMP"
        chmod 0600 "$DATA_DIR/id_ed25519.pub.bak-$STAMP"
        echo "moved the old id_ed25519.pub aside (no .pub in $ADOPT to pair with the adopted key)"
      fi
    fi
  elif [ -f "$ADOPT/id_ed25519.pub" ]; then
    echo "skipping $ADOPT/id_ed25519.pub: there is no id_ed25519 next to it"
  fi

  # The database with its write-ahead log, which may hold committed rows not yet checkpointed.
  if [ -f "$ADOPT/db_v2.sqlite3" ]; then
    if [ "$FORCE" -eq 1 ] && [ -e "$DATA_DIR/db_v2.sqlite3" ] && ! cmp -s "$ADOPT/db_v2.sqlite3" "$DATA_DIR/db_v2.sqlite3"; then
      for side in -wal -shm; do
        if [ -e "$DATA_DIR/db_v2.sqlite3$side" ]; then
          mv -f "$DATA_DIR/db_v2.sqlite3$side" "$DATA_DIR/db_v2.sqlite3$side.bak-$STAMP"
        fi
      done
    fi
    if adopt_file db_v2.sqlite3 0640 && [ -f "$ADOPT/db_v2.sqlite3-wal" ]; then
      adopt_file db_v2.sqlite3-wal 0640 || true
    fi
  fi

  for f in .env blacklist.txt blocklist.txt; do
    if [ -f "$ADOPT/$f" ]; then
      adopt_file "$f" 0640 || true
    fi
  done
}

java_major() {
  # first line like: openjdk version "17.0.15" 2025-04-15  (or "1.8.0_392")
  v=$("$1" -version 2>&1 | sed -n 's/.*version "\([0-9][0-9.]*\).*/\1/p' | head -n 1)
  case "$v" in
    1.*) echo "$v" | cut -d. -f2 ;;
    "") echo 0 ;;
    *) echo "$v" | cut -d. -f1 ;;
  esac
}

ensure_java() {
  if [ "$DRY" -eq 1 ]; then
    echo "would check /usr/bin/java (17 or newer) and, if it is missing, run: apt-get install -y openjdk-17-jre-headless"
    return
  fi
  if [ -x /usr/bin/java ] && [ "$(java_major /usr/bin/java)" -ge 17 ]; then
    echo "java: $(/usr/bin/java -version 2>&1 | head -n 1)"
    return
  fi
  command -v apt-get >/dev/null 2>&1 \
    || die "no Java 17+ at /usr/bin/java and no apt-get; install a Java 17+ runtime first"
  system apt-get update
  system env DEBIAN_FRONTEND=noninteractive apt-get install -y openjdk-17-jre-headless
  if ! [ -x /usr/bin/java ] || [ "$(java_major /usr/bin/java)" -lt 17 ]; then
    echo "warning: /usr/bin/java is still older than 17; select Java 17 with: update-alternatives --config java" >&2
  fi
}

ensure_user() {
  if [ "$DRY" -eq 0 ] && getent passwd "$SERVICE_USER" >/dev/null 2>&1; then
    echo "user $SERVICE_USER exists"
    return
  fi
  system useradd --system --user-group --home-dir /var/lib/vertdesk --no-create-home \
    --shell /usr/sbin/nologin --comment "Vertdesk server" "$SERVICE_USER"
}

rustdesk_running() {
  [ "$DRY" -eq 0 ] || return 1
  command -v systemctl >/dev/null 2>&1 || return 1
  for s in rustdesk-hbbs rustdesk-hbbr rustdesksignal rustdeskrelay; do
    if systemctl is-active --quiet "$s" 2>/dev/null; then
      return 0
    fi
  done
  return 1
}

# ---- install ----

ensure_java
ensure_user

mkdir -p "$OPT_DIR" "$UNIT_DIR" "$BIN_DIR" "$CONF_DIR" "$(dirname "$DEFAULTS_FILE")" "$DATA_DIR"
chmod 0755 "$OPT_DIR" "$CONF_DIR"
chmod 0750 "$DATA_DIR"

install_file "$JAR" "$OPT_DIR/vertdesk.jar" 0644
install_file "$WRAPPER_SRC" "$BIN_DIR/vertdesk" 0755
# plugins/ next to the installed jar is the server's default pluginsDir
mkdir -p "$OPT_DIR/plugins"
chmod 0755 "$OPT_DIR/plugins"
PLUGIN_SRC="$(cd "$(dirname "$JAR")" && pwd)/plugins"
if [ -d "$PLUGIN_SRC" ] && [ "$PLUGIN_SRC" != "$OPT_DIR/plugins" ]; then
  for p in "$PLUGIN_SRC"/*.jar; do
    [ -f "$p" ] || continue
    install_file "$p" "$OPT_DIR/plugins/$(basename "$p")" 0644
  done
fi
for u in $UNITS; do
  install_file "$UNIT_SRC/$u" "$UNIT_DIR/$u" 0644
done

if [ -e "$DEFAULTS_FILE" ]; then
  echo "unchanged: $DEFAULTS_FILE (yours)"
else
  cat >"$DEFAULTS_FILE" <<'EOF'
# Environment of the vertdesk units. rustdesk-server names work here too (PORT, KEY,
# RELAY_SERVERS, ALWAYS_USE_RELAY, DB_URL ...), as do VERTDESK_* variables.
# A JSON configuration in /etc/vertdesk/vertdesk.json is passed as -conf when it exists.
#JAVA_OPTS="-Xmx1g"
#VERTDESK_ARGS=""
#RELAY_SERVERS=relay.example.com
EOF
  chmod 0644 "$DEFAULTS_FILE"
  echo "installed: $DEFAULTS_FILE"
fi

if [ -z "$ADOPT" ] && [ -d "$ROOT/var/lib/rustdesk-server" ] && [ ! -e "$DATA_DIR/id_ed25519" ]; then
  echo "found a rustdesk-server data directory: to take over its key pair and devices, run this again with"
  echo "  --adopt /var/lib/rustdesk-server"
fi

if [ -n "$ADOPT" ]; then
  if rustdesk_running; then
    echo "warning: a rustdesk-server service is running; its database may change after this copy." >&2
    echo "         Stop it first (systemctl disable --now rustdesk-hbbs rustdesk-hbbr) and run this again." >&2
  fi
  adopt
fi

system chown "$SERVICE_USER:$SERVICE_USER" "$DATA_DIR"
for f in $ADOPTED; do
  system chown "$SERVICE_USER:$SERVICE_USER" "$DATA_DIR/$f"
done

# ---- systemd ----

if [ "$UNIT" = all ]; then
  WANTED="vertdesk.service"
  OTHERS="vertdesk-id.service vertdesk-relay.service"
else
  WANTED="vertdesk-id.service vertdesk-relay.service"
  OTHERS="vertdesk.service"
fi

# systemd runs when /run/systemd/system exists (sd_booted(3)). Containers and WSL often have
# systemctl without a running systemd, where daemon-reload fails: install the units only.
if [ "$DRY" -eq 0 ] && ! command -v systemctl >/dev/null 2>&1; then
  echo "systemctl not found: units installed but not loaded"
  START=0
elif [ "$DRY" -eq 0 ] && [ ! -d /run/systemd/system ]; then
  echo "systemd is not running on this host: units installed but not loaded"
  START=0
else
  system systemctl daemon-reload
fi

if [ "$START" -eq 1 ] && rustdesk_running; then
  echo "not starting Vertdesk: a rustdesk-server service holds the same ports." >&2
  echo "Stop it (systemctl disable --now rustdesk-hbbs rustdesk-hbbr), then: systemctl enable --now $WANTED" >&2
  START=0
fi

if [ "$START" -eq 1 ]; then
  for u in $OTHERS; do
    if [ "$DRY" -eq 1 ] || systemctl is-enabled --quiet "$u" 2>/dev/null || systemctl is-active --quiet "$u" 2>/dev/null; then
      system systemctl disable --now "$u"
    fi
  done
  # shellcheck disable=SC2086
  system systemctl enable $WANTED
  # restart rather than start, so an upgrade's new jar is picked up
  # shellcheck disable=SC2086
  system systemctl restart $WANTED
else
  echo "not enabling or starting units (start later with: systemctl enable --now $WANTED)"
fi

if [ -f "$DATA_DIR/id_ed25519.pub" ]; then
  echo "Key for clients: $(cat "$DATA_DIR/id_ed25519.pub")"
elif [ -f "$DATA_DIR/id_ed25519" ]; then
  echo "The key for clients is printed at start-up (journalctl -u vertdesk | grep Key:)"
else
  echo "The key pair is created on first start; the key for clients is then in /var/lib/vertdesk/id_ed25519.pub"
fi
echo "done."
