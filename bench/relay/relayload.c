/*
 * relayload — Vertdesk relay benchmark load tool (issue #3). Built at run time by
 * bench/relay/run.sh (gcc -O2). Talks to 127.0.0.x only; every mode is bounded in time.
 *
 * A "pair" is one sender and one receiver joined through the server under test:
 *   relay mode: both connect to the relay port and send the same RequestRelay (length-prefixed
 *               protobuf, uuid "<tag>-<i>", licence_key <key>), the receiver first;
 *   proxy mode: the sender connects to the proxy (nginx stream), which connects to our own sink
 *               listener on 127.0.0.1:<sinkport>; the accepted socket is the receiver.
 * Either way the load side holds 2 sockets per pair, and the server 2.
 *
 *   relayload bulk <relay|proxy> <port> <sinkport> <pairs> <warm_s> <sec> <wsize> <rate_Bps> <key> <tag>
 *       senders write wsize-byte chunks (unpaced when rate_Bps is 0, else paced per pair by a
 *       2 ms token bucket), receivers read with 1 MiB reads; after warm_s, counts the bytes
 *       received over sec seconds.
 *   relayload idle <relay|proxy> <port> <sinkport> <pairs> <hold_s> <key> <tag>
 *       opens the pairs, sends one byte each way through each (so every pair is complete), prints
 *       "ready pairs=N" and holds them idle for hold_s seconds (the caller samples memory).
 *
 * Environment SRVPID=<pid>: the server process; its CPU (utime+stime) and VmRSS are sampled at
 * the start and end of the measured window, together with /proc/stat, so that the output also
 * gives the foreign user CPU of the window (user time not spent by the server or by this tool:
 * the noisy-neighbour filter of docs/performance.md "Environment").
 * Output: one line of key=value pairs on stdout.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static void die(const char *what) {
  fprintf(stderr, "relayload: %s: %s\n", what, strerror(errno));
  exit(1);
}

/* ---------------------------------------------------------------- CPU and memory sampling */

static int srvpid;

static long long sys_user_ticks(void) {
  FILE *f = fopen("/proc/stat", "r");
  long long u = 0, n = 0;
  if (f) {
    if (fscanf(f, "cpu %lld %lld", &u, &n) != 2) u = n = 0;
    fclose(f);
  }
  return u + n;
}

static int proc_ticks(int pid, long long *ut, long long *st) {
  char path[64], buf[4096];
  if (pid == 0) snprintf(path, sizeof path, "/proc/self/stat");
  else snprintf(path, sizeof path, "/proc/%d/stat", pid);
  *ut = *st = 0;
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  size_t r = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[r] = 0;
  char *p = strrchr(buf, ')');
  if (!p) return -1;
  unsigned long long u = 0, s = 0;
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &u, &s) != 2) return -1;
  *ut = (long long)u;
  *st = (long long)s;
  return 0;
}

static long rss_kb(int pid) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", pid);
  FILE *f = fopen(path, "r");
  long kb = 0;
  if (!f) return 0;
  while (fgets(line, sizeof line, f)) {
    if (!strncmp(line, "VmRSS:", 6)) { kb = atol(line + 6); break; }
  }
  fclose(f);
  return kb;
}

struct sample { double t; long long sys_user, srv_u, srv_s, own_u, own_s; long srv_rss; };

static void take(struct sample *s) {
  s->t = now_s();
  s->sys_user = sys_user_ticks();
  proc_ticks(srvpid, &s->srv_u, &s->srv_s);
  proc_ticks(0, &s->own_u, &s->own_s);
  s->srv_rss = srvpid ? rss_kb(srvpid) : 0;
}

/* ---------------------------------------------------------------- connections */

static struct sockaddr_in server_addr, sink_addr;
static int relay_mode;
static const char *key = "";
static const char *tag = "bench";

static void put_varint(unsigned char **p, unsigned v) {
  while (v >= 0x80) { *(*p)++ = (unsigned char)(v | 0x80); v >>= 7; }
  *(*p)++ = (unsigned char)v;
}

/* length-prefixed RendezvousMessage{request_relay(18): RequestRelay{uuid(2), licence_key(6)}} */
static int request_frame(int i, unsigned char *out) {
  char uuid[96];
  int ul = snprintf(uuid, sizeof uuid, "%s-%d", tag, i), kl = (int)strlen(key);
  unsigned char inner[256], msg[300], *p = inner;
  *p++ = 0x12; put_varint(&p, (unsigned)ul); memcpy(p, uuid, ul); p += ul;
  if (kl) { *p++ = 0x32; put_varint(&p, (unsigned)kl); memcpy(p, key, kl); p += kl; }
  int il = (int)(p - inner);
  p = msg;
  *p++ = 0x92; *p++ = 0x01; put_varint(&p, (unsigned)il); memcpy(p, inner, il); p += il;
  int n = (int)(p - msg), h;
  if (n <= 0x3f) { out[0] = (unsigned char)(n << 2); h = 1; }
  else { unsigned v = ((unsigned)n << 2) | 1; out[0] = v & 0xff; out[1] = (v >> 8) & 0xff; h = 2; }
  memcpy(out + h, msg, n);
  return h + n;
}

static int connect_to(struct sockaddr_in *a) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, (struct sockaddr *)a, sizeof *a)) die("connect");
  return fd;
}

static void write_all(int fd, const void *b, size_t n) {
  const char *p = b;
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) { if (errno == EINTR) continue; die("write"); }
    p += w; n -= (size_t)w;
  }
}

static int sinkfd = -1;

static int accept_timed(int lfd, int ms) {
  struct pollfd pf = {.fd = lfd, .events = POLLIN};
  if (poll(&pf, 1, ms) <= 0) { errno = ETIMEDOUT; die("accept from proxy"); }
  int c = accept(lfd, NULL, NULL);
  if (c < 0) die("accept");
  int one = 1;
  setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return c;
}

/* opens pair i: *snd is the sender's socket, *rcv the receiver's (both blocking) */
static void open_pair(int i, int *snd, int *rcv) {
  if (relay_mode) {
    unsigned char f[400];
    int n = request_frame(i, f);
    *rcv = connect_to(&server_addr);
    write_all(*rcv, f, (size_t)n);
    *snd = connect_to(&server_addr);
    write_all(*snd, f, (size_t)n);
  } else {
    *snd = connect_to(&server_addr);
    *rcv = accept_timed(sinkfd, 5000);
  }
}

static void nb(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

static int read_byte_timed(int fd, int ms) {
  struct pollfd pf = {.fd = fd, .events = POLLIN};
  if (poll(&pf, 1, ms) <= 0) return -1;
  char c;
  return read(fd, &c, 1) == 1 ? 0 : -1;
}

/* ---------------------------------------------------------------- modes */

static char rbuf[1 << 20];
static char wbuf[1 << 20];

static int mode_idle(int pairs, double hold) {
  int *fds = calloc((size_t)pairs * 2, sizeof(int));
  int ok = 0;
  double t0 = now_s();
  for (int i = 0; i < pairs; i++) {
    open_pair(i, &fds[2 * i], &fds[2 * i + 1]);
  }
  for (int i = 0; i < pairs; i++) {
    int s = fds[2 * i], r = fds[2 * i + 1];
    if (write(s, "x", 1) != 1) continue;
    if (read_byte_timed(r, 5000)) continue;
    if (write(r, "y", 1) != 1) continue;
    if (read_byte_timed(s, 5000)) continue;
    ok++;
  }
  printf("ready pairs=%d setup_s=%.2f\n", ok, now_s() - t0);
  fflush(stdout);
  double end = now_s() + hold;
  while (now_s() < end) usleep(100000);
  for (int i = 0; i < 2 * pairs; i++) close(fds[i]);
  return ok == pairs ? 0 : 1;
}

static int mode_bulk(int pairs, double warm, double sec, int wsize, double rate) {
  int n = pairs;
  int *snd = calloc((size_t)n, sizeof(int)), *rcv = calloc((size_t)n, sizeof(int));
  long long *got = calloc((size_t)n, sizeof(long long));
  double *credit = calloc((size_t)n, sizeof(double));
  for (int i = 0; i < n; i++) open_pair(i, &snd[i], &rcv[i]);
  int ep = epoll_create1(0);
  for (int i = 0; i < n; i++) {
    nb(snd[i]);
    nb(rcv[i]);
    struct epoll_event e = {.events = EPOLLIN, .data.u64 = (uint64_t)i << 1 | 1};
    epoll_ctl(ep, EPOLL_CTL_ADD, rcv[i], &e);
    if (rate <= 0) {
      struct epoll_event o = {.events = EPOLLOUT | EPOLLET, .data.u64 = (uint64_t)i << 1};
      epoll_ctl(ep, EPOLL_CTL_ADD, snd[i], &o);
    }
    credit[i] = rate > 0 ? -(double)wsize * i / n : 0; /* stagger paced senders */
  }
  memset(wbuf, 'r', sizeof wbuf);
  struct epoll_event evs[1024];
  double t0 = now_s(), tw = t0 + warm, te = tw + sec, last = t0;
  long long rx = 0, rx0 = 0, errors = 0;
  int in_window = 0;
  struct sample a, b;
  for (;;) {
    double t = now_s();
    if (!in_window && t >= tw) { take(&a); rx0 = rx; in_window = 1; }
    if (t >= te) break;
    if (rate > 0) {
      double dt = t - last;
      last = t;
      for (int i = 0; i < n; i++) {
        credit[i] += rate * dt;
        if (credit[i] > 4.0 * wsize) credit[i] = 4.0 * wsize;
        while (credit[i] >= wsize) {
          ssize_t w = write(snd[i], wbuf, (size_t)wsize);
          if (w <= 0) break;
          credit[i] -= (double)w;
        }
      }
    }
    int k = epoll_wait(ep, evs, 1024, rate > 0 ? 2 : 100);
    for (int j = 0; j < k; j++) {
      int i = (int)(evs[j].data.u64 >> 1);
      if (evs[j].data.u64 & 1) {
        for (int spins = 0; spins < 4; spins++) {
          ssize_t r = read(rcv[i], rbuf, sizeof rbuf);
          if (r > 0) { rx += r; got[i] += r; if (r < (ssize_t)sizeof rbuf) break; continue; }
          if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
            errors++;
            epoll_ctl(ep, EPOLL_CTL_DEL, rcv[i], NULL);
          }
          break;
        }
      } else {
        for (;;) {
          ssize_t w = write(snd[i], wbuf, (size_t)wsize);
          if (w > 0) continue;
          if (w < 0 && errno != EAGAIN && errno != EINTR) {
            errors++;
            epoll_ctl(ep, EPOLL_CTL_DEL, snd[i], NULL);
          }
          break;
        }
      }
    }
  }
  take(&b);
  double win = b.t - a.t, hz = (double)sysconf(_SC_CLK_TCK);
  double srv = ((b.srv_u + b.srv_s) - (a.srv_u + a.srv_s)) / hz;
  double own = ((b.own_u + b.own_s) - (a.own_u + a.own_s)) / hz;
  double foreign = ((b.sys_user - a.sys_user) - (b.srv_u - a.srv_u) - (b.own_u - a.own_u)) / hz / win;
  double bytes = (double)(rx - rx0);
  int live = 0;
  for (int i = 0; i < n; i++) if (got[i] > 0) live++;
  printf("pairs=%d live=%d gbps=%.3f mbytes_per_s=%.1f srv_cores=%.3f srv_cpu_s_per_gb=%.3f load_cores=%.3f "
         "foreign=%.3f srv_rss_kb=%ld errors=%lld window_s=%.2f\n",
         n, live, bytes * 8 / win / 1e9, bytes / win / 1e6, srv / win, bytes > 0 ? srv / (bytes / 1e9) : 0,
         own / win, foreign < 0 ? 0 : foreign, b.srv_rss, errors, win);
  for (int i = 0; i < n; i++) { close(snd[i]); close(rcv[i]); }
  return 0;
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc < 4) { fprintf(stderr, "usage: see the comment at the top of relayload.c\n"); return 2; }
  const char *mode = argv[1];
  relay_mode = !strcmp(argv[2], "relay");
  server_addr.sin_family = AF_INET;
  server_addr.sin_port = htons((uint16_t)atoi(argv[3]));
  inet_pton(AF_INET, "127.0.0.1", &server_addr.sin_addr);
  int sinkport = atoi(argv[4]);
  const char *pid = getenv("SRVPID");
  srvpid = pid ? atoi(pid) : 0;
  if (!relay_mode) {
    sinkfd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(sinkfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sink_addr.sin_family = AF_INET;
    sink_addr.sin_port = htons((uint16_t)sinkport);
    inet_pton(AF_INET, "127.0.0.1", &sink_addr.sin_addr);
    if (bind(sinkfd, (struct sockaddr *)&sink_addr, sizeof sink_addr)) die("bind sink");
    if (listen(sinkfd, 4096)) die("listen");
  }
  if (!strcmp(mode, "bulk") && argc >= 12) {
    key = argv[10];
    tag = argv[11];
    return mode_bulk(atoi(argv[5]), atof(argv[6]), atof(argv[7]), atoi(argv[8]), atof(argv[9]));
  }
  if (!strcmp(mode, "idle") && argc >= 9) {
    key = argv[7];
    tag = argv[8];
    return mode_idle(atoi(argv[5]), atof(argv[6]));
  }
  fprintf(stderr, "usage: see the comment at the top of relayload.c\n");
  return 2;
}
