/*
 * udpreg — Vertdesk UDP benchmark load generator (RustDesk RegisterPk / RegisterPeer over UDP).
 * Built at run time by bench/udp/run.sh (gcc -O2). Talks to 127.0.0.x only; every mode is bounded
 * in time by its arguments.
 *
 *   udpreg reg <ip> <port> <first> <count> <nsock> <maxsec> <rate>
 *       registers IDs first..first+count-1 with RegisterPk (one request in flight per socket, resent
 *       after 2 s without an answer, at most <rate>/s when rate > 0); counts OK answers, and the
 *       CPU figures below over the whole run.
 *   udpreg sat <ip> <port> <first> <nids> <nsock> <window> <warmsec> <sec>
 *       closed-loop RegisterPeer heartbeats over nids IDs: nsock sockets x window in flight;
 *       replies/s over <sec> after <warmsec> of warm-up.
 *   udpreg lat <ip> <port> <first> <nids> <nsock> <rate> <warmsec> <sec>
 *       open-loop RegisterPeer at a fixed rate (round-robin over sockets and IDs); p50/p99 reply
 *       latency of the requests sent after warm-up (replies are matched per socket in FIFO order).
 *
 * IDs are the decimal strings of first+i. Environment PIDS="pid ..." lists the server processes:
 * the generator then reports the foreign user CPU over the measured window (user time in
 * /proc/stat minus the user time of those processes and of itself, in cores) and the CPU of the
 * first PID (server cores, and µs per reply), and the CPU of all other visible processes.
 * SPIN=1 makes the lat mode busy-poll instead of sleeping until the next send (diagnostics: shows
 * how much of the latency is the generator's own wake-up).
 * Output: one line of key=value pairs on stdout.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define PKT 96 /* stride of prebuilt requests; RegisterPk is 65 bytes, RegisterPeer 15 */

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* ---------- CPU accounting (noisy-neighbour filter) ---------- */

static int npids;
static int pids[16];

static long long sys_user_ticks(void) {
  FILE *f = fopen("/proc/stat", "r");
  long long u = 0, n = 0;
  if (f) {
    if (fscanf(f, "cpu %lld %lld", &u, &n) != 2) u = n = 0;
    fclose(f);
  }
  return u + n;
}

/* utime, stime, cutime+cstime (ticks, all threads) and flags of a process; pid 0 = self */
static int proc_ticks(int pid, long long *ut, long long *st, long long *ct, unsigned *flags) {
  char path[64], buf[2048];
  if (pid == 0) snprintf(path, sizeof path, "/proc/self/stat");
  else snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  size_t r = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[r] = 0;
  char *p = strrchr(buf, ')');
  if (!p) return -1;
  /* after ") ": state(3) ppid pgrp session tty tpgid flags(9) minflt cminflt majflt cmajflt
     utime(14) stime(15) cutime(16) cstime(17) */
  unsigned fl = 0;
  unsigned long long u = 0, s = 0;
  long long cu = 0, cs = 0;
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %u %*u %*u %*u %*u %llu %llu %lld %lld", &fl, &u, &s, &cu, &cs) != 5)
    return -1;
  *ut = (long long)u;
  *st = (long long)s;
  *ct = cu + cs;
  *flags = fl;
  return 0;
}

/* CPU ticks of every other user-space process: utime+stime+cutime+cstime, by pid */
#define MAXP 8192
typedef struct {
  int n;
  int pid[MAXP];
  long long ticks[MAXP];
} procset;

static int is_ours(int pid) {
  if (pid == getpid()) return 1;
  for (int i = 0; i < npids; i++)
    if (pids[i] == pid) return 1;
  return 0;
}

static void scan_others(procset *ps) {
  ps->n = 0;
  DIR *d = opendir("/proc");
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d)) && ps->n < MAXP) {
    int pid = atoi(e->d_name);
    if (pid <= 0 || is_ours(pid)) continue;
    long long u, s, c;
    unsigned fl;
    if (proc_ticks(pid, &u, &s, &c, &fl) || (fl & 0x00200000u)) continue; /* PF_KTHREAD */
    ps->pid[ps->n] = pid;
    ps->ticks[ps->n++] = u + s + c;
  }
  closedir(d);
}

/* ticks the other processes used between two scans (new processes count in full) */
static long long others_delta(const procset *a, const procset *b) {
  long long sum = 0;
  for (int i = 0; i < b->n; i++) {
    long long before = 0;
    for (int j = 0; j < a->n; j++)
      if (a->pid[j] == b->pid[i]) { before = a->ticks[j]; break; }
    if (b->ticks[i] > before) sum += b->ticks[i] - before;
  }
  return sum;
}

typedef struct {
  uint64_t t;
  long long sysu, ownu, srv;
  procset others;
} cpusnap;

static void snap(cpusnap *c) {
  scan_others(&c->others);
  c->t = now_ns();
  c->sysu = sys_user_ticks();
  long long u, s, ch, own = 0;
  unsigned fl;
  if (proc_ticks(0, &u, &s, &ch, &fl) == 0) own += u;
  c->srv = 0;
  for (int i = 0; i < npids; i++) {
    if (proc_ticks(pids[i], &u, &s, &ch, &fl) == 0) {
      own += u;
      if (i == 0) c->srv = u + s;
    }
  }
  c->ownu = own;
}

/*
 * foreign: user time of the box (/proc/stat) minus the user time of our processes, in cores
 * (the rule of docs/performance.md "Environment"; it also sees work outside our PID namespace). At a paced rate it reads up to
 * ~0.2 core below zero (the tick misses most short wake-ups that the processes' own times count),
 * and it misses foreign *system* time. others: CPU time (user+system, children included) of every
 * other visible user-space process over the window, in cores: it sees e.g. another benchmark's
 * kernel-heavy socket load that leaves the user-time figure near zero.
 */
static void cpu_report(const cpusnap *a, const cpusnap *b, double *foreign, double *others, double *srvcores) {
  double hz = (double)sysconf(_SC_CLK_TCK);
  double el = (b->t - a->t) / 1e9;
  *foreign = ((b->sysu - a->sysu) - (b->ownu - a->ownu)) / hz / el;
  *others = others_delta(&a->others, &b->others) / hz / el;
  *srvcores = (b->srv - a->srv) / hz / el;
}

/* ---------- message encoding ---------- */

static int put_varint(uint8_t *p, uint32_t v) {
  int n = 0;
  while (v >= 0x80) { p[n++] = (uint8_t)(v | 0x80); v >>= 7; }
  p[n++] = (uint8_t)v;
  return n;
}

/* RendezvousMessage{register_peer(6){id(1), serial(2)}} */
static int enc_register_peer(uint8_t *out, uint64_t id, int serial) {
  char ids[24];
  int il = snprintf(ids, sizeof ids, "%llu", (unsigned long long)id);
  uint8_t in[64];
  int n = 0;
  in[n++] = 0x0a; in[n++] = (uint8_t)il; memcpy(in + n, ids, il); n += il;
  if (serial) { in[n++] = 0x10; n += put_varint(in + n, (uint32_t)serial); }
  int m = 0;
  out[m++] = 0x32; out[m++] = (uint8_t)n; memcpy(out + m, in, n);
  return m + n;
}

/* RendezvousMessage{register_pk(15){id(1), uuid(2) 16 bytes, pk(3) 32 bytes}}, deterministic per ID */
static int enc_register_pk(uint8_t *out, uint64_t id) {
  char ids[24];
  int il = snprintf(ids, sizeof ids, "%llu", (unsigned long long)id);
  uint8_t in[128];
  int n = 0;
  in[n++] = 0x0a; in[n++] = (uint8_t)il; memcpy(in + n, ids, il); n += il;
  in[n++] = 0x12; in[n++] = 16;
  uint64_t x = id * 0x9E3779B97F4A7C15ull + 1;
  for (int i = 0; i < 16; i++) { x ^= x >> 29; x *= 0xBF58476D1CE4E5B9ull; in[n++] = (uint8_t)(x >> 56); }
  in[n++] = 0x1a; in[n++] = 32;
  for (int i = 0; i < 32; i++) { x ^= x >> 31; x *= 0x94D049BB133111EBull; in[n++] = (uint8_t)(x >> 56); }
  int m = 0;
  out[m++] = 0x7a; out[m++] = (uint8_t)n; memcpy(out + m, in, n);
  return m + n;
}

static int get_varint(const uint8_t *p, int len, int *pos, uint64_t *v) {
  uint64_t r = 0;
  int sh = 0;
  while (*pos < len && sh < 64) {
    uint8_t b = p[(*pos)++];
    r |= (uint64_t)(b & 0x7f) << sh;
    if (!(b & 0x80)) { *v = r; return 0; }
    sh += 7;
  }
  return -1;
}

enum { R_REFRESH = 0, R_REQPK, R_PKOK, R_PKOTHER, R_OTHER, R_N };

/* classifies one reply; *val gets the RegisterPkResponse result */
static int classify(const uint8_t *p, int len, int *val) {
  int pos = 0;
  uint64_t tag, l;
  *val = 0;
  if (get_varint(p, len, &pos, &tag) || (tag & 7) != 2) return R_OTHER;
  if (get_varint(p, len, &pos, &l) || pos + (int)l > len) return R_OTHER;
  int end = pos + (int)l, field = (int)(tag >> 3);
  uint64_t want = field == 7 ? 2 : field == 16 ? 1 : 0;
  if (!want) return R_OTHER;
  uint64_t v = 0;
  while (pos < end) {
    uint64_t t, x;
    if (get_varint(p, end, &pos, &t)) break;
    if ((t & 7) == 0) {
      if (get_varint(p, end, &pos, &x)) break;
      if ((t >> 3) == want) v = x;
    } else if ((t & 7) == 2) {
      if (get_varint(p, end, &pos, &x)) break;
      pos += (int)x;
    } else {
      break;
    }
  }
  *val = (int)v;
  if (field == 7) return v ? R_REQPK : R_REFRESH;
  return v == 0 ? R_PKOK : R_PKOTHER;
}

/* ---------- sockets ---------- */

static int ep;
static int *fds;

static void open_sockets(const char *ip, int port, int ns) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  if (inet_pton(AF_INET, ip, &a.sin_addr) != 1 || (ntohl(a.sin_addr.s_addr) >> 24) != 127) {
    fprintf(stderr, "loopback (127.x.x.x) addresses only\n");
    exit(2);
  }
  ep = epoll_create1(0);
  fds = malloc(sizeof(int) * ns);
  for (int i = 0; i < ns; i++) {
    fds[i] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    int sz = 1 << 20;
    setsockopt(fds[i], SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    setsockopt(fds[i], SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
    if (connect(fds[i], (struct sockaddr *)&a, sizeof a)) { perror("connect"); exit(1); }
    struct epoll_event e = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
    epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &e);
  }
}

static uint8_t rbuf[BATCH][2048];
static struct mmsghdr rm[BATCH];
static struct iovec rio[BATCH];

static int recv_batch(int fd) {
  for (int q = 0; q < BATCH; q++) {
    rio[q].iov_base = rbuf[q];
    rio[q].iov_len = sizeof rbuf[q];
    memset(&rm[q].msg_hdr, 0, sizeof rm[q].msg_hdr);
    rm[q].msg_hdr.msg_iov = &rio[q];
    rm[q].msg_hdr.msg_iovlen = 1;
  }
  return recvmmsg(fd, rm, BATCH, MSG_DONTWAIT, NULL);
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* ---------- reg ---------- */

static int mode_reg(uint64_t first, uint64_t count, int ns, double maxsec, double rate) {
  uint64_t *cur = malloc(8 * ns), *sent_at = malloc(8 * ns);
  int *busy = calloc(ns, sizeof(int));
  uint64_t next = 0, ok = 0, tries = 0, resent = 0, frequent = 0, other = 0, done = 0;
  uint64_t t0 = now_ns(), end = t0 + (uint64_t)(maxsec * 1e9), lastp = t0;
  uint8_t pkt[PKT];
  struct epoll_event evs[256];
  static cpusnap c0, c1;
  snap(&c0);
  for (;;) {
    uint64_t t = now_ns();
    if (done >= count || t >= end) break;
    /* issue new requests on idle sockets, within the rate budget */
    uint64_t budget = rate > 0 ? (uint64_t)((t - t0) * 1e-9 * rate) : UINT64_MAX;
    for (int i = 0; i < ns; i++) {
      if (busy[i] == 0 && next < count && tries < budget) {
        cur[i] = next++;
        busy[i] = 1;
        int l = enc_register_pk(pkt, first + cur[i]);
        send(fds[i], pkt, l, 0);
        sent_at[i] = t;
        tries++;
      } else if (busy[i] == 1 && t - sent_at[i] > 2000000000ull) { /* no answer: resend */
        int l = enc_register_pk(pkt, first + cur[i]);
        send(fds[i], pkt, l, 0);
        sent_at[i] = t;
        resent++;
      } else if (busy[i] == 2 && t - sent_at[i] > 100000000ull) { /* TOO_FREQUENT: retry later */
        busy[i] = 1;
        int l = enc_register_pk(pkt, first + cur[i]);
        send(fds[i], pkt, l, 0);
        sent_at[i] = t;
        resent++;
      }
    }
    int k = epoll_wait(ep, evs, 256, 5);
    for (int j = 0; j < k; j++) {
      int i = (int)evs[j].data.u32;
      int n = recv_batch(fds[i]);
      for (int q = 0; q < n; q++) {
        int v, c = classify(rbuf[q], (int)rm[q].msg_len, &v);
        if (busy[i] != 1) continue; /* late duplicate */
        if (c == R_PKOK) { ok++; done++; busy[i] = 0; }
        else if (c == R_PKOTHER && v == 4) { frequent++; busy[i] = 2; sent_at[i] = now_ns(); }
        else if (c == R_PKOTHER) { other++; done++; busy[i] = 0; }
      }
    }
    if (t - lastp > 5000000000ull) {
      lastp = t;
      fprintf(stderr, "  reg: %llu/%llu ok after %.0f s\n", (unsigned long long)ok,
              (unsigned long long)count, (t - t0) / 1e9);
    }
  }
  snap(&c1);
  double el = (c1.t - t0) / 1e9, foreign, others, srv;
  cpu_report(&c0, &c1, &foreign, &others, &srv);
  printf("mode=reg requested=%llu ok=%llu refused=%llu too_frequent=%llu resent=%llu sec=%.2f per_s=%.0f"
         " srvcores=%.2f foreign=%.3f others=%.3f\n",
         (unsigned long long)count, (unsigned long long)ok, (unsigned long long)other,
         (unsigned long long)frequent, (unsigned long long)resent, el, ok / el, srv, foreign, others);
  return ok == count ? 0 : 3;
}

/* ---------- sat ---------- */

static uint8_t *reqs; /* prebuilt RegisterPeer per ID, stride PKT */
static int *reqlen;

static void prebuild(uint64_t first, uint64_t nids) {
  reqs = malloc(PKT * nids);
  reqlen = malloc(sizeof(int) * nids);
  for (uint64_t i = 0; i < nids; i++) reqlen[i] = enc_register_peer(reqs + PKT * i, first + i, 1);
}

static uint64_t rr_id; /* next ID index, round robin */

static int mode_sat(uint64_t nids, int ns, int w, double warmsec, double sec) {
  struct mmsghdr sm[BATCH];
  struct iovec sio[BATCH];
  uint64_t cnt[R_N] = {0}, cntw[R_N] = {0}, tx = 0, rx = 0, rxw = 0;
  uint64_t *lastrx = malloc(8 * ns);
  struct epoll_event evs[256];
  uint64_t t0 = now_ns(), warm = t0 + (uint64_t)(warmsec * 1e9), end = warm + (uint64_t)(sec * 1e9);
  static cpusnap c0, c1;
  int started = 0;
  for (int i = 0; i < ns; i++) {
    lastrx[i] = t0;
    for (int k = 0; k < w; k++) {
      uint64_t id = rr_id++ % nids;
      if (send(fds[i], reqs + PKT * id, reqlen[id], 0) > 0) tx++;
    }
  }
  for (;;) {
    uint64_t t = now_ns();
    if (t >= end) break;
    if (!started && t >= warm) {
      snap(&c0);
      started = 1;
      rxw = rx;
      memcpy(cntw, cnt, sizeof cnt);
    }
    int k = epoll_wait(ep, evs, 256, 10);
    for (int j = 0; j < k; j++) {
      int i = (int)evs[j].data.u32;
      int n = recv_batch(fds[i]);
      if (n <= 0) continue;
      rx += n;
      lastrx[i] = t;
      for (int q = 0; q < n; q++) {
        int v;
        cnt[classify(rbuf[q], (int)rm[q].msg_len, &v)]++;
        uint64_t id = rr_id++ % nids;
        sio[q].iov_base = reqs + PKT * id;
        sio[q].iov_len = reqlen[id];
        memset(&sm[q].msg_hdr, 0, sizeof sm[q].msg_hdr);
        sm[q].msg_hdr.msg_iov = &sio[q];
        sm[q].msg_hdr.msg_iovlen = 1;
      }
      int o = 0;
      while (o < n) {
        int s = sendmmsg(fds[i], sm + o, n - o, 0);
        if (s <= 0) break;
        o += s;
      }
      tx += o;
    }
    /* a socket whose window was lost to drops gets it back after 200 ms of silence */
    for (int i = 0; i < ns; i++) {
      if (t - lastrx[i] > 200000000ull) {
        for (int k2 = 0; k2 < w; k2++) {
          uint64_t id = rr_id++ % nids;
          send(fds[i], reqs + PKT * id, reqlen[id], 0);
        }
        lastrx[i] = t;
      }
    }
  }
  snap(&c1);
  double el = (c1.t - c0.t) / 1e9, foreign, others, srv;
  cpu_report(&c0, &c1, &foreign, &others, &srv);
  uint64_t n = rx - rxw;
  printf("mode=sat replies_per_s=%.0f refreshed=%llu request_pk=%llu other=%llu srvcores=%.2f foreign=%.3f others=%.3f sec=%.2f\n",
         n / el, (unsigned long long)(cnt[R_REFRESH] - cntw[R_REFRESH]),
         (unsigned long long)(cnt[R_REQPK] - cntw[R_REQPK]),
         (unsigned long long)(cnt[R_OTHER] + cnt[R_PKOK] + cnt[R_PKOTHER] - cntw[R_OTHER] - cntw[R_PKOK] - cntw[R_PKOTHER]),
         srv, foreign, others, el);
  return 0;
}

/* ---------- lat ---------- */

#define RING 256
static int mode_lat(uint64_t nids, int ns, double rate, double warmsec, double sec) {
  uint64_t *ring = malloc(sizeof(uint64_t) * RING * ns);
  int *head = calloc(ns, sizeof(int)), *tail = calloc(ns, sizeof(int));
  size_t cap = (size_t)(rate * sec) + 1024, nl = 0;
  uint64_t *L = malloc(8 * cap);
  uint64_t cnt[R_N] = {0}, sent = 0, sentm = 0, lost = 0, rx = 0;
  struct epoll_event evs[256];
  prctl(PR_SET_TIMERSLACK, 1UL);
  uint64_t t0 = now_ns(), warm = t0 + (uint64_t)(warmsec * 1e9), end = warm + (uint64_t)(sec * 1e9);
  static cpusnap c0, c1;
  int started = 0, stopped = 0, rr = 0, spin = getenv("SPIN") != NULL;
  for (;;) {
    uint64_t t = now_ns();
    if (t >= end + 300000000ull) break;
    if (!started && t >= warm) { snap(&c0); started = 1; }
    if (!stopped && t >= end) { snap(&c1); stopped = 1; }
    if (t < end) {
      uint64_t due = (uint64_t)((t - t0) * 1e-9 * rate);
      while (sent < due) {
        uint64_t id = rr_id++ % nids;
        int i = rr;
        rr = (rr + 1) % ns;
        if (head[i] - tail[i] >= RING) { tail[i]++; lost++; } /* ring full: oldest counted lost */
        uint64_t ts = now_ns();
        send(fds[i], reqs + PKT * id, reqlen[id], 0);
        ring[(size_t)i * RING + (head[i]++ % RING)] = ts;
        sent++;
        if (ts >= warm) sentm++;
      }
    }
    uint64_t nd = t0 + (uint64_t)((sent + 1) * 1e9 / rate), tn = now_ns();
    struct timespec wt = {0, nd > tn ? (long)(nd - tn) : 0};
    if (t >= end) wt.tv_nsec = 10000000L;
    if (wt.tv_nsec >= 1000000000L) wt.tv_nsec = 999999999L;
    if (spin) wt.tv_nsec = 0;
    int k = epoll_pwait2(ep, evs, 256, &wt, NULL);
    for (int j = 0; j < k; j++) {
      int i = (int)evs[j].data.u32;
      int n = recv_batch(fds[i]);
      uint64_t tr = now_ns();
      for (int q = 0; q < n; q++) {
        int v;
        cnt[classify(rbuf[q], (int)rm[q].msg_len, &v)]++;
        rx++;
        /* requests unanswered for 1 s are lost; the reply matches the oldest remaining one */
        while (tail[i] < head[i] && tr - ring[(size_t)i * RING + (tail[i] % RING)] > 1000000000ull) { tail[i]++; lost++; }
        if (tail[i] == head[i]) continue;
        uint64_t ts = ring[(size_t)i * RING + (tail[i]++ % RING)];
        if (ts >= warm && ts < end && nl < cap) L[nl++] = tr - ts;
      }
    }
  }
  for (int i = 0; i < ns; i++) lost += (uint64_t)(head[i] - tail[i]);
  if (!stopped) snap(&c1);
  double foreign, others, srv;
  cpu_report(&c0, &c1, &foreign, &others, &srv);
  qsort(L, nl, 8, cmp_u64);
  double us_per_req = nl ? srv * sec * 1e6 / (double)nl : 0;
  printf("mode=lat rate=%.0f sent=%llu answered=%zu lost=%llu p50_us=%.1f p99_us=%.1f p999_us=%.1f "
         "request_pk=%llu srvcores=%.3f srv_us_per_req=%.1f foreign=%.3f others=%.3f\n",
         rate, (unsigned long long)sentm, nl, (unsigned long long)lost, nl ? L[nl / 2] / 1e3 : 0,
         nl ? L[(size_t)(nl * .99)] / 1e3 : 0, nl ? L[(size_t)(nl * .999)] / 1e3 : 0,
         (unsigned long long)cnt[R_REQPK], srv, us_per_req, foreign, others);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 9) {
    fprintf(stderr, "usage: see the header of udpreg.c\n");
    return 2;
  }
  const char *pe = getenv("PIDS");
  if (pe) {
    char *s = strdup(pe), *save = NULL;
    for (char *tok = strtok_r(s, " ,", &save); tok && npids < 16; tok = strtok_r(NULL, " ,", &save)) pids[npids++] = atoi(tok);
  }
  const char *mode = argv[1];
  int port = atoi(argv[3]);
  uint64_t first = strtoull(argv[4], NULL, 10), n = strtoull(argv[5], NULL, 10);
  int ns = atoi(argv[6]);
  if (ns < 1 || ns > 4096 || n < 1) { fprintf(stderr, "bad arguments\n"); return 2; }
  open_sockets(argv[2], port, ns);
  if (!strcmp(mode, "reg")) return mode_reg(first, n, ns, atof(argv[7]), atof(argv[8]));
  if (argc < 10) { fprintf(stderr, "missing arguments\n"); return 2; }
  prebuild(first, n);
  if (!strcmp(mode, "sat")) return mode_sat(n, ns, atoi(argv[7]), atof(argv[8]), atof(argv[9]));
  if (!strcmp(mode, "lat")) return mode_lat(n, ns, atof(argv[7]), atof(argv[8]), atof(argv[9]));
  fprintf(stderr, "unknown mode %s\n", mode);
  return 2;
}
