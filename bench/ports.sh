# Sourced by the benchmark scripts: free loopback ports for their servers.
#
# free_ports <count> <t|u>: the first of <count> consecutive TCP (t) or UDP (u) ports on which
# nothing listens, below the kernel's ephemeral range, so that the thousands of client sockets a
# benchmark opens can never take one of them before its server binds it.
free_ports() {
  local count=$1 proto=$2 low p i busy
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  ((low > 12000)) || { echo "ephemeral ports start at $low: no room below them" >&2; exit 1; }
  for _ in $(seq 1 50); do
    p=$((10000 + RANDOM % (low - 10000 - count))); busy=0
    for ((i = 0; i < count; i++)); do
      if ss -Hl"$proto"n "sport = :$((p + i))" | grep -q .; then busy=1; break; fi
    done
    ((busy)) || { echo "$p"; return; }
  done
  echo "no free port range" >&2; exit 1
}
