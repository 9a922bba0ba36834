/*
 * hbload — Vertdesk API benchmark load generator: RustDesk heartbeats over HTTP/1.1.
 * Built at run time by bench/api/run.sh (gcc -O2). Talks to 127.0.0.x only; every mode is bounded
 * in time by its arguments.
 *
 *   hbload sysinfo <ip> <port> <first> <count> <nconn> <maxsec>
 *       uploads the system information of devices first..first+count-1 (POST /api/sysinfo, one
 *       request in flight per connection); counts SYSINFO_UPDATED answers.
 *   hbload sat <ip> <port> <first> <nids> <nconn> <warmsec> <sec>
 *       closed loop: nconn keep-alive connections, one POST /api/heartbeat in flight on each,
 *       rotating over nids devices; answers/s over <sec> after <warmsec> of warm-up.
 *   hbload lat <ip> <port> <first> <nids> <nconn> <rate> <warmsec> <sec>
 *       open loop at a fixed rate, round-robin over the connections (pipelined when a connection
 *       still waits for an answer); p50/p99/p99.9 from each request's send to its answer.
 *
 * The bodies are the client's (rustdesk/rustdesk: src/hbbs_http/sync.rs): {"id", "uuid", "ver",
 * "modified_at"} with Content-Type: application/json. IDs are the decimal strings of first+i; the
 * uuid is base64 of the 16 bytes bench/udp/udpreg.c registers for that ID, so a device registered
 * with `udpreg reg` is known to the API. Environment PIDS="pid ..." lists the server processes:
 * the generator then reports the foreign user CPU over the measured window (user time in
 * /proc/stat minus the user time of those processes and of itself, in cores), the CPU of all other
 * visible processes, and the CPU of the first PID (server cores, and µs per answer), as udpreg does.
 * Output: one line of key=value pairs on stdout.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RING 4096       /* requests in flight per connection (pipelined) */
#define INBUF (1 << 16) /* answers are small: a few hundred bytes each */

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* ---------- CPU accounting (noisy-neighbour filter), as in bench/udp/udpreg.c ---------- */

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

static void cpu_report(const cpusnap *a, const cpusnap *b, double *foreign, double *others, double *srvcores) {
  double hz = (double)sysconf(_SC_CLK_TCK);
  double el = (b->t - a->t) / 1e9;
  *foreign = ((b->sysu - a->sysu) - (b->ownu - a->ownu)) / hz / el;
  *others = others_delta(&a->others, &b->others) / hz / el;
  *srvcores = (b->srv - a->srv) / hz / el;
}

/* ---------- requests ---------- */

/* the 16 uuid bytes bench/udp/udpreg.c registers for an ID (enc_register_pk) */
static void uuid_of(uint64_t id, uint8_t out[16]) {
  uint64_t x = id * 0x9E3779B97F4A7C15ull + 1;
  for (int i = 0; i < 16; i++) { x ^= x >> 29; x *= 0xBF58476D1CE4E5B9ull; out[i] = (uint8_t)(x >> 56); }
}

static void base64(const uint8_t *in, int n, char *out) {
  static const char *t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  int o = 0;
  for (int i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
    out[o++] = t[v >> 18 & 63];
    out[o++] = t[v >> 12 & 63];
    out[o++] = i + 1 < n ? t[v >> 6 & 63] : '=';
    out[o++] = i + 2 < n ? t[v & 63] : '=';
  }
  out[o] = 0;
}

#define REQ 512
static char *reqs;
static int *reqlen;

static void prebuild(const char *ip, int port, uint64_t first, uint64_t n, int sysinfo) {
  reqs = malloc(REQ * n);
  reqlen = malloc(sizeof(int) * n);
  for (uint64_t i = 0; i < n; i++) {
    uint8_t u[16];
    char b64[32], body[400];
    uuid_of(first + i, u);
    base64(u, 16, b64);
    int bl = sysinfo
        ? snprintf(body, sizeof body, "{\"cpu\":\"AMD EPYC 7B13, 2.45GHz, 2/2 cores\",\"memory\":\"23.43GB\","
                   "\"os\":\"linux / Debian GNU/Linux 12\",\"hostname\":\"bench-%llu\",\"username\":\"bench\","
                   "\"version\":\"1.4.9\",\"id\":\"%llu\",\"uuid\":\"%s\"}",
                   (unsigned long long)(first + i), (unsigned long long)(first + i), b64)
        : snprintf(body, sizeof body, "{\"id\":\"%llu\",\"uuid\":\"%s\",\"ver\":1004090,\"modified_at\":0}",
                   (unsigned long long)(first + i), b64);
    reqlen[i] = snprintf(reqs + REQ * i, REQ, "POST /api/%s HTTP/1.1\r\nHost: %s:%d\r\nAccept: */*\r\n"
                         "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
                         sysinfo ? "sysinfo" : "heartbeat", ip, port, bl, body);
  }
}

/* ---------- connections ---------- */

typedef struct {
  int fd;
  char in[INBUF];
  int inlen;
  char *out; /* bytes not yet written */
  int outlen, outcap;
  uint64_t ring[RING]; /* send times of the requests awaiting an answer, oldest first */
  int head, tail;
} conn;

static int ep;
static conn *cs;
static int ncs;

static void open_conns(const char *ip, int port, int n) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  if (inet_pton(AF_INET, ip, &a.sin_addr) != 1 || (ntohl(a.sin_addr.s_addr) >> 24) != 127) {
    fprintf(stderr, "loopback (127.x.x.x) addresses only\n");
    exit(2);
  }
  ep = epoll_create1(0);
  cs = calloc(n, sizeof(conn));
  ncs = n;
  for (int i = 0; i < n; i++) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&a, sizeof a)) { perror("connect"); exit(1); }
    int fl = fcntl(fd, F_GETFL, 0);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK)) { perror("fcntl"); exit(1); }
    cs[i].fd = fd;
    cs[i].outcap = 1 << 16;
    cs[i].out = malloc(cs[i].outcap);
    struct epoll_event e = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
  }
}

/* queues one request on connection i and writes what the socket takes */
static void send_req(int i, uint64_t id, uint64_t t) {
  conn *c = &cs[i];
  int l = reqlen[id];
  if (c->outlen + l > c->outcap) {
    c->outcap = (c->outlen + l) * 2;
    c->out = realloc(c->out, c->outcap);
  }
  memcpy(c->out + c->outlen, reqs + REQ * id, l);
  c->outlen += l;
  c->ring[c->head++ % RING] = t;
  ssize_t w = write(c->fd, c->out, c->outlen);
  if (w > 0) {
    memmove(c->out, c->out + w, c->outlen - w);
    c->outlen -= (int)w;
  }
  struct epoll_event e = {.events = EPOLLIN | (c->outlen ? EPOLLOUT : 0), .data.u32 = (uint32_t)i};
  epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
}

static void flush_out(int i) {
  conn *c = &cs[i];
  if (!c->outlen) return;
  ssize_t w = write(c->fd, c->out, c->outlen);
  if (w > 0) {
    memmove(c->out, c->out + w, c->outlen - w);
    c->outlen -= (int)w;
  }
  if (!c->outlen) {
    struct epoll_event e = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
  }
}

/* what one answer was */
typedef struct {
  int status;
  int sysinfo; /* the heartbeat answer asks for sysinfo */
  int updated; /* the sysinfo answer is SYSINFO_UPDATED */
} answer;

/* takes one whole answer off the connection's buffer; 0 if none is complete yet, -1 if garbled */
static int next_answer(conn *c, answer *a) {
  char *end = memmem(c->in, c->inlen, "\r\n\r\n", 4);
  if (!end) return c->inlen >= INBUF ? -1 : 0;
  int hdr = (int)(end - c->in) + 4;
  if (c->inlen < 12 || memcmp(c->in, "HTTP/1.1 ", 9)) return -1;
  a->status = atoi(c->in + 9);
  long cl = -1;
  for (char *p = c->in; p < end; p++) {
    if ((p == c->in || p[-1] == '\n') && !strncasecmp(p, "content-length:", 15)) {
      cl = strtol(p + 15, NULL, 10);
      break;
    }
  }
  if (cl < 0 || hdr + cl > INBUF) return -1;
  if (c->inlen < hdr + cl) return 0;
  a->sysinfo = memmem(c->in + hdr, cl, "sysinfo", 7) != NULL;
  a->updated = cl == 15 && !memcmp(c->in + hdr, "SYSINFO_UPDATED", 15);
  memmove(c->in, c->in + hdr + cl, c->inlen - hdr - cl);
  c->inlen -= hdr + (int)cl;
  return 1;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* ---------- the loop shared by the modes ---------- */

typedef struct {
  uint64_t answered, errors, sysinfo, updated;
  uint64_t *lat; /* latencies of answers to requests sent in the measured window */
  size_t nlat, cap;
} tally;

/* reads what is there on connection i; calls on_answer for each whole answer */
static int drain(int i, uint64_t warm, uint64_t end, tally *t, void (*on_answer)(int, void *), void *arg) {
  conn *c = &cs[i];
  for (;;) {
    ssize_t r = read(c->fd, c->in + c->inlen, INBUF - c->inlen);
    if (r > 0) c->inlen += (int)r;
    else if (r == 0) { fprintf(stderr, "the server closed a connection\n"); exit(1); }
    else break;
    uint64_t tr = now_ns();
    answer a;
    int k;
    while ((k = next_answer(c, &a)) == 1) {
      if (c->tail == c->head) { fprintf(stderr, "an answer to no request\n"); exit(1); }
      uint64_t ts = c->ring[c->tail++ % RING];
      if (ts >= warm && ts < end) {
        t->answered++;
        if (a.status != 200) t->errors++;
        if (a.sysinfo) t->sysinfo++;
        if (a.updated) t->updated++;
        if (t->nlat < t->cap) t->lat[t->nlat++] = tr - ts;
      }
      if (on_answer) on_answer(i, arg);
    }
    if (k < 0) { fprintf(stderr, "a garbled answer\n"); exit(1); }
    if (c->inlen >= INBUF) break;
  }
  return 0;
}

static uint64_t rr_id, nids_g;

static void closed_loop_next(int i, void *arg) {
  uint64_t end = *(uint64_t *)arg;
  uint64_t t = now_ns();
  if (t < end) send_req(i, rr_id++ % nids_g, t);
}

static void report(const char *mode, double rate, uint64_t sent, tally *t, double sec, cpusnap *c0, cpusnap *c1) {
  double foreign, others, srv;
  cpu_report(c0, c1, &foreign, &others, &srv);
  qsort(t->lat, t->nlat, 8, cmp_u64);
  size_t n = t->nlat;
  printf("mode=%s rate=%.0f sent=%llu answered=%llu rps=%.0f errors=%llu sysinfo=%llu updated=%llu "
         "p50_us=%.1f p99_us=%.1f p999_us=%.1f srvcores=%.3f srv_us_per_req=%.1f foreign=%.3f others=%.3f\n",
         mode, rate, (unsigned long long)sent, (unsigned long long)t->answered, t->answered / sec,
         (unsigned long long)t->errors, (unsigned long long)t->sysinfo, (unsigned long long)t->updated,
         n ? t->lat[n / 2] / 1e3 : 0, n ? t->lat[(size_t)(n * .99)] / 1e3 : 0, n ? t->lat[(size_t)(n * .999)] / 1e3 : 0,
         srv, t->answered ? srv * sec * 1e6 / (double)t->answered : 0, foreign, others);
}

/* closed loop: every connection sends its next request as soon as the previous is answered */
static int mode_closed(const char *mode, uint64_t nids, double warmsec, double sec) {
  struct epoll_event evs[256];
  uint64_t t0 = now_ns(), warm = t0 + (uint64_t)(warmsec * 1e9), end = warm + (uint64_t)(sec * 1e9);
  tally t = {0};
  t.cap = 50000000;
  t.lat = malloc(8 * t.cap);
  nids_g = nids;
  static cpusnap c0, c1;
  int started = 0, stopped = 0;
  for (int i = 0; i < ncs; i++) send_req(i, rr_id++ % nids, now_ns());
  for (;;) {
    uint64_t now = now_ns();
    if (!started && now >= warm) { snap(&c0); started = 1; }
    if (!stopped && now >= end) { snap(&c1); stopped = 1; }
    int inflight = 0;
    for (int i = 0; i < ncs && !inflight; i++) inflight = cs[i].head != cs[i].tail;
    if (now >= end && (!inflight || now >= end + 5000000000ull)) break;
    int k = epoll_wait(ep, evs, 256, 10);
    for (int j = 0; j < k; j++) {
      int i = (int)evs[j].data.u32;
      if (evs[j].events & EPOLLOUT) flush_out(i);
      if (evs[j].events & EPOLLIN) drain(i, warm, end, &t, closed_loop_next, &end);
    }
  }
  report(mode, 0, rr_id, &t, sec, &c0, &c1);
  return 0;
}

/* open loop at a fixed rate, round-robin over the connections */
static int mode_lat(uint64_t nids, double rate, double warmsec, double sec) {
  struct epoll_event evs[256];
  prctl(PR_SET_TIMERSLACK, 1UL);
  uint64_t t0 = now_ns(), warm = t0 + (uint64_t)(warmsec * 1e9), end = warm + (uint64_t)(sec * 1e9);
  tally t = {0};
  t.cap = (size_t)(rate * sec) + 1024;
  t.lat = malloc(8 * t.cap);
  static cpusnap c0, c1;
  int started = 0, stopped = 0, rr = 0;
  uint64_t sent = 0, sentm = 0;
  for (;;) {
    uint64_t now = now_ns();
    if (!started && now >= warm) { snap(&c0); started = 1; }
    if (!stopped && now >= end) { snap(&c1); stopped = 1; }
    if (now >= end + 3000000000ull) break;
    if (now < end) {
      uint64_t due = (uint64_t)((now - t0) * 1e-9 * rate);
      while (sent < due) {
        int i = rr;
        rr = (rr + 1) % ncs;
        if (cs[i].head - cs[i].tail >= RING) { fprintf(stderr, "%d requests waiting on one connection\n", RING); exit(1); }
        uint64_t ts = now_ns();
        send_req(i, rr_id++ % nids, ts);
        sent++;
        if (ts >= warm) sentm++;
      }
    } else {
      int inflight = 0;
      for (int i = 0; i < ncs && !inflight; i++) inflight = cs[i].head != cs[i].tail;
      if (!inflight) break;
    }
    uint64_t nd = t0 + (uint64_t)((sent + 1) * 1e9 / rate), tn = now_ns();
    struct timespec wt = {0, nd > tn ? (long)(nd - tn) : 0};
    if (now >= end) wt.tv_nsec = 10000000L;
    if (wt.tv_nsec >= 1000000000L) wt.tv_nsec = 999999999L;
    int k = epoll_pwait2(ep, evs, 256, &wt, NULL);
    for (int j = 0; j < k; j++) {
      int i = (int)evs[j].data.u32;
      if (evs[j].events & EPOLLOUT) flush_out(i);
      if (evs[j].events & EPOLLIN) drain(i, warm, end, &t, NULL, NULL);
    }
  }
  if (!stopped) snap(&c1);
  uint64_t unanswered = 0;
  for (int i = 0; i < ncs; i++) unanswered += (uint64_t)(cs[i].head - cs[i].tail);
  report("lat", rate, sentm, &t, sec, &c0, &c1);
  if (unanswered) fprintf(stderr, "%llu requests unanswered\n", (unsigned long long)unanswered);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 8) {
    fprintf(stderr, "usage: see the header of hbload.c\n");
    return 2;
  }
  const char *pe = getenv("PIDS");
  if (pe) {
    char *s = strdup(pe), *save = NULL;
    for (char *tok = strtok_r(s, " ,", &save); tok && npids < 16; tok = strtok_r(NULL, " ,", &save)) pids[npids++] = atoi(tok);
  }
  const char *mode = argv[1], *ip = argv[2];
  int port = atoi(argv[3]);
  uint64_t first = strtoull(argv[4], NULL, 10), n = strtoull(argv[5], NULL, 10);
  int nc = atoi(argv[6]);
  if (nc < 1 || nc > 4096 || n < 1) { fprintf(stderr, "bad arguments\n"); return 2; }
  int sysinfo = !strcmp(mode, "sysinfo");
  prebuild(ip, port, first, n, sysinfo);
  open_conns(ip, port, nc);
  if (sysinfo) {
    /* one pass over the devices: as many requests as devices, closed loop */
    double maxsec = atof(argv[7]);
    struct epoll_event evs[256];
    tally t = {0};
    t.cap = n + 1;
    t.lat = malloc(8 * t.cap);
    uint64_t end = now_ns() + (uint64_t)(maxsec * 1e9), next = 0;
    for (int i = 0; i < nc && next < n; i++) send_req(i, next++, now_ns());
    while (t.answered < n && now_ns() < end) {
      int k = epoll_wait(ep, evs, 256, 100);
      for (int j = 0; j < k; j++) {
        int i = (int)evs[j].data.u32;
        if (evs[j].events & EPOLLOUT) flush_out(i);
        if (!(evs[j].events & EPOLLIN)) continue;
        uint64_t before = t.answered;
        drain(i, 0, UINT64_MAX, &t, NULL, NULL);
        for (uint64_t a = before; a < t.answered && next < n; a++) send_req(i, next++, now_ns());
      }
    }
    printf("mode=sysinfo count=%llu answered=%llu updated=%llu errors=%llu\n", (unsigned long long)n,
           (unsigned long long)t.answered, (unsigned long long)t.updated, (unsigned long long)t.errors);
    return t.updated == n ? 0 : 1;
  }
  if (!strcmp(mode, "sat")) return mode_closed("sat", n, atof(argv[7]), atof(argv[8]));
  if (!strcmp(mode, "lat") && argc >= 10) return mode_lat(n, atof(argv[7]), atof(argv[8]), atof(argv[9]));
  fprintf(stderr, "unknown mode %s or missing arguments\n", mode);
  return 2;
}
