/*
 * npbench: the proxy benchmark's load generator and target server, in C so
 * that neither is the bottleneck. Loopback only (every address is
 * 127.0.0.1). Compiled by bench/proxy/native.ts with `cc` at bench start.
 *
 *   npbench target ECHO BULK CLOSE     echo: echoes; bulk: 'U'+u64 len -> reads len, answers 'K';
 *                                      'D'+u64 len -> sends len bytes, then FIN; close: the first byte
 *                                      is a length L, reads L bytes, echoes them, closes first.
 *   npbench rate PROTO PPORT DPORT CONC MAX SECS DENY
 *                                      CONC connections in flight: open (+ proxy handshake), one echo of
 *                                      32 bytes on the close port, wait for the target's FIN, close.
 *                                      DENY=1: every request must be refused (SOCKS5 reply 2 / HTTP 403).
 *   npbench bulk PROTO PPORT DPORT up|down BYTES SECS
 *   npbench hold PROTO PPORT DPORT N   opens N tunnels to the echo port, checks each with one echo,
 *                                      prints a line, holds them until stdin closes.
 *   PROTO: direct | socks5 | connect (HTTP CONNECT). Each client mode prints one JSON line.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PAYLOAD 32
static char zeros[65536];

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}
static void die(const char *m) { perror(m); exit(2); }
static struct sockaddr_in loop(int port) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}
static void nodelay(int fd) { int one = 1; setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); }

/* ---------------- target ---------------- */
enum { ECHO, BULK, CLOSE };
typedef struct { int kind, have; unsigned char head[9]; uint64_t left; int sending, closelen, got; char buf[256]; } tconn;

static int listener(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = loop(port);
  if (bind(fd, (void *)&a, sizeof a) || listen(fd, 4096)) die("target listen");
  return fd;
}

static int target(int argc, char **argv) {
  if (argc < 5) return 2;
  int ep = epoll_create1(0), lfd[3];
  static tconn *conns[65536];
  for (int k = 0; k < 3; k++) {
    lfd[k] = listener(atoi(argv[2 + k]));
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)k << 32 | (uint32_t)lfd[k] | 1ull << 40};
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd[k], &ev);
  }
  printf("READY\n");
  fflush(stdout);
  struct epoll_event evs[256];
  char buf[65536];
  for (;;) {
    int n = epoll_wait(ep, evs, 256, -1);
    for (int i = 0; i < n; i++) {
      uint64_t u = evs[i].data.u64;
      int fd = (int)(uint32_t)u;
      if (u >> 40) {
        int c;
        while ((c = accept4(fd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          if (c >= 65536) { close(c); continue; }
          nodelay(c);
          tconn *t = calloc(1, sizeof *t);
          t->kind = (int)((u >> 32) & 0xff);
          conns[c] = t;
          struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint32_t)c};
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
        }
        continue;
      }
      tconn *t = conns[fd];
      if (t == NULL) continue;
      int gone = 0;
      if (t->sending && (evs[i].events & EPOLLOUT)) {
        while (t->left > 0) {
          ssize_t w = write(fd, zeros, t->left < sizeof zeros ? t->left : sizeof zeros);
          if (w < 0) { if (errno != EAGAIN) gone = 1; break; }
          t->left -= (uint64_t)w;
        }
        if (t->left == 0 && !gone) {
          t->sending = 0;
          shutdown(fd, SHUT_WR);
          struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint32_t)fd};
          epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
        }
      }
      while (!gone && (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r == 0 || (r < 0 && errno != EAGAIN)) { gone = 1; break; }
        if (r < 0) break;
        if (t->kind == ECHO) {
          if (write(fd, buf, (size_t)r) != r) gone = 1;
        } else if (t->kind == CLOSE) {
          if (t->closelen == 0) t->closelen = (unsigned char)buf[0];
          for (ssize_t j = 0; j < r && t->got < (int)sizeof t->buf; j++) t->buf[t->got++] = buf[j];
          if (t->got >= t->closelen) {
            if (write(fd, t->buf, (size_t)t->closelen) < 0) { /* the peer left */ }
            gone = 1;
          }
        } else {
          ssize_t j = 0;
          while (t->have < 9 && j < r) t->head[t->have++] = (unsigned char)buf[j++];
          if (t->have < 9) continue;
          if (t->left == 0 && !t->sending && t->head[0] != 0) {
            for (int b = 1; b < 9; b++) t->left = t->left << 8 | t->head[b];
            if (t->head[0] == 'D') {
              t->sending = 1;
              struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.u64 = (uint32_t)fd};
              epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
            }
            t->head[0] = t->head[0] == 'U' ? 'u' : 0;
          }
          if (t->head[0] == 'u') {
            uint64_t m = (uint64_t)(r - j);
            t->left = m >= t->left ? 0 : t->left - m;
            if (t->left == 0) { t->head[0] = 0; if (write(fd, "K", 1) != 1) gone = 1; }
          }
        }
      }
      if (gone) { conns[fd] = NULL; free(t); close(fd); }
    }
  }
}

/* ---------------- client ---------------- */
enum { DIRECT, SOCKS5, CONNECT };
static int proto_of(const char *s) { return !strcmp(s, "socks5") ? SOCKS5 : !strcmp(s, "connect") ? CONNECT : DIRECT; }
static const unsigned char GREETING[3] = {5, 1, 0};
static int request(unsigned char *out, int proto, int dport) {
  if (proto == SOCKS5) {
    unsigned char r[10] = {5, 1, 0, 1, 127, 0, 0, 1, (unsigned char)(dport >> 8), (unsigned char)dport};
    memcpy(out, r, 10);
    return 10;
  }
  return sprintf((char *)out, "CONNECT 127.0.0.1:%d HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n", dport, dport);
}

/* Blocking helpers for bulk and hold. */
static int read_full(int fd, void *p, size_t n) {
  for (size_t got = 0; got < n;) {
    ssize_t r = read(fd, (char *)p + got, n - got);
    if (r <= 0) return -1;
    got += (size_t)r;
  }
  return 0;
}
/* Opens a tunnel; returns the fd, -1 on failure, -2 when the proxy refused. */
static int tunnel(int proto, int pport, int dport) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = loop(proto == DIRECT ? dport : pport);
  nodelay(fd);
  if (connect(fd, (void *)&a, sizeof a)) { close(fd); return -1; }
  unsigned char buf[256];
  if (proto == SOCKS5) {
    if (write(fd, GREETING, 3) != 3 || read_full(fd, buf, 2)) goto fail;
    int n = request(buf, proto, dport);
    if (write(fd, buf, (size_t)n) != n || read_full(fd, buf, 10)) goto fail;
    if (buf[1] != 0) { close(fd); return -2; }
  } else if (proto == CONNECT) {
    int n = request(buf, proto, dport), have = 0;
    if (write(fd, buf, (size_t)n) != n) goto fail;
    while (have < 4 || memcmp(buf + have - 4, "\r\n\r\n", 4)) {
      if (have == (int)sizeof buf || read(fd, buf + have, 1) != 1) goto fail;
      have++;
    }
    if (memcmp(buf, "HTTP/1.1 200", 12)) { close(fd); return -2; }
  }
  return fd;
fail:
  close(fd);
  return -1;
}

static int bulk(int argc, char **argv) {
  if (argc < 8) return 2;
  int proto = proto_of(argv[2]), up = !strcmp(argv[5], "up");
  uint64_t bytes = strtoull(argv[6], NULL, 10), done = 0;
  double limit = atof(argv[7]), t0 = now_s();
  int fd = tunnel(proto, atoi(argv[3]), atoi(argv[4]));
  if (fd < 0) { printf("{\"error\":\"no tunnel\"}\n"); return 1; }
  unsigned char head[9] = {up ? 'U' : 'D'};
  for (int b = 0; b < 8; b++) head[1 + b] = (unsigned char)(bytes >> (56 - 8 * b));
  if (write(fd, head, 9) != 9) return 1;
  static char buf[262144];
  while (done < bytes && now_s() - t0 < limit) {
    ssize_t n = up ? write(fd, zeros, bytes - done < sizeof zeros ? bytes - done : sizeof zeros) : read(fd, buf, sizeof buf);
    if (n <= 0) break;
    done += (uint64_t)n;
  }
  if (up && done == bytes && read_full(fd, buf, 1)) done = 0;
  double secs = now_s() - t0;
  close(fd);
  printf("{\"bytes\":%llu,\"complete\":%s,\"secs\":%.4f,\"MBps\":%.2f}\n", (unsigned long long)done, done == bytes ? "true" : "false", secs, done / 1e6 / secs);
  return 0;
}

static int hold(int argc, char **argv) {
  if (argc < 6) return 2;
  int proto = proto_of(argv[2]), n = atoi(argv[5]), failed = 0, held = 0;
  int *fds = calloc((size_t)n, sizeof(int));
  double t0 = now_s();
  for (int i = 0; i < n && now_s() - t0 < 60; i++) {
    int fd = tunnel(proto, atoi(argv[3]), atoi(argv[4]));
    char b[4];
    if (fd < 0 || write(fd, "ping", 4) != 4 || read_full(fd, b, 4)) { failed++; if (fd >= 0) close(fd); continue; }
    fds[held++] = fd;
  }
  printf("{\"held\":%d,\"failed\":%d,\"open_s\":%.3f}\n", held, failed, now_s() - t0);
  fflush(stdout);
  char c;
  while (read(0, &c, 1) > 0) {}
  for (int i = 0; i < held; i++) close(fds[i]);
  return 0;
}

/* The rate test: a state machine per connection over epoll. */
enum { S_CONNECTING, S_METHOD, S_REPLY, S_HTTP, S_ECHO, S_EOF };
typedef struct { int fd, state, have; double t0; unsigned char buf[512]; } cconn;

static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return x < y ? -1 : x > y; }

static int rate(int argc, char **argv) {
  if (argc < 9) return 2;
  int proto = proto_of(argv[2]), pport = atoi(argv[3]), dport = atoi(argv[4]), conc = atoi(argv[5]), max = atoi(argv[6]), deny = atoi(argv[8]);
  double limit = atof(argv[7]);
  if (conc < 1) conc = 1;
  if (conc > 1000) conc = 1000;
  int ep = epoll_create1(0), started = 0, inflight = 0, ok = 0, denied = 0, failed = 0;
  cconn *cs = calloc((size_t)conc, sizeof(cconn));
  double *lat = calloc((size_t)max + 1, sizeof(double));
  unsigned char payload[PAYLOAD];
  memset(payload, 'x', sizeof payload);
  payload[0] = PAYLOAD;
  double t0 = now_s(), t1 = t0;
  int nlat = 0;
  for (int i = 0; i < conc; i++) cs[i].fd = -1;
  for (;;) {
    for (int i = 0; i < conc; i++) {
      if (cs[i].fd >= 0 || started >= max || now_s() - t0 >= limit) continue;
      cconn *c = &cs[i];
      c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      nodelay(c->fd);
      struct sockaddr_in a = loop(proto == DIRECT ? dport : pport);
      c->t0 = now_s();
      c->state = S_CONNECTING;
      c->have = 0;
      started++;
      inflight++;
      if (connect(c->fd, (void *)&a, sizeof a) && errno != EINPROGRESS) { failed++; close(c->fd); c->fd = -1; inflight--; continue; }
      struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.u32 = (uint32_t)i};
      epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
    }
    if (inflight == 0) break;
    struct epoll_event evs[256];
    int n = epoll_wait(ep, evs, 256, 1000);
    for (int k = 0; k < n; k++) {
      cconn *c = &cs[evs[k].data.u32];
      int end = 0; /* 1 ok, 2 denied, 3 failed */
      if (c->state == S_CONNECTING) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err) end = 3;
        else {
          struct epoll_event ev = {.events = EPOLLIN, .data.u32 = evs[k].data.u32};
          epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
          unsigned char req[256];
          int len2 = proto == SOCKS5 ? 3 : request(req, proto, dport);
          if (proto == DIRECT) {
            lat[nlat++] = now_s() - c->t0;
            c->state = S_ECHO;
            if (write(c->fd, payload, PAYLOAD) != PAYLOAD) end = 3;
          } else if (write(c->fd, proto == SOCKS5 ? GREETING : req, (size_t)len2) != len2) end = 3;
          else c->state = proto == SOCKS5 ? S_METHOD : S_HTTP;
        }
      } else {
        ssize_t r = read(c->fd, c->buf + c->have, sizeof c->buf - (size_t)c->have);
        if (r < 0 && errno == EAGAIN) continue;
        if (r < 0 || (r == 0 && c->state != S_EOF)) end = 3;
        else if (r == 0) end = 1;
        else {
          c->have += (int)r;
          int ready = 0, refused = 0;
          if (c->state == S_METHOD && c->have >= 2) {
            unsigned char req[256];
            int len2 = request(req, proto, dport);
            c->have = 0;
            c->state = S_REPLY;
            if (write(c->fd, req, (size_t)len2) != len2) end = 3;
          } else if (c->state == S_REPLY && c->have >= 10) {
            if (c->buf[1] == 0) ready = 1; else refused = c->buf[1] == 2;
            if (!ready && !refused) end = 3;
          } else if (c->state == S_HTTP && memmem(c->buf, (size_t)c->have, "\r\n\r\n", 4) != NULL) {
            if (!memcmp(c->buf, "HTTP/1.1 200", 12)) ready = 1; else refused = !memcmp(c->buf, "HTTP/1.1 403", 12);
            if (!ready && !refused) end = 3;
          } else if (c->state == S_ECHO && c->have >= PAYLOAD) {
            c->state = S_EOF;
          } else if (c->have == (int)sizeof c->buf) end = 3;
          if (refused) end = deny ? 2 : 3;
          if (ready) {
            if (deny) end = 3; /* a request that must be refused was allowed */
            else {
              lat[nlat++] = now_s() - c->t0;
              c->state = S_ECHO;
              c->have = 0;
              if (write(c->fd, payload, PAYLOAD) != PAYLOAD) end = 3;
            }
          }
        }
      }
      if (end) {
        if (end == 1) ok++; else if (end == 2) denied++; else failed++;
        close(c->fd);
        c->fd = -1;
        inflight--;
        t1 = now_s();
      }
    }
    if (n == 0 && now_s() - t0 > limit + 10) break; /* stuck connections: give up */
  }
  double secs = t1 - t0;
  qsort(lat, (size_t)nlat, sizeof(double), cmp);
  double p50 = nlat ? lat[nlat / 2] : 0, p99 = nlat ? lat[(int)(nlat * 0.99)] : 0;
  printf("{\"ok\":%d,\"denied\":%d,\"failed\":%d,\"secs\":%.4f,\"perSecond\":%.1f,\"p50us\":%.1f,\"p99us\":%.1f}\n", ok, denied, failed, secs,
         (ok + denied) / secs, p50 * 1e6, p99 * 1e6);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  if (!strcmp(argv[1], "target")) return target(argc, argv);
  if (!strcmp(argv[1], "rate")) return rate(argc, argv);
  if (!strcmp(argv[1], "bulk")) return bulk(argc, argv);
  if (!strcmp(argv[1], "hold")) return hold(argc, argv);
  fprintf(stderr, "npbench: unknown mode %s\n", argv[1]);
  return 2;
}
