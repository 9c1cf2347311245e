/*
 * TCP table reader over NETLINK_SOCK_DIAG (what `ss -tan` uses), as an N-API addon so one
 * binary loads in Node and in VS Code's Electron extension host alike.
 *
 * JS drives the dump in batches so the event loop gets a turn between them:
 *   open(family, states, info) -> handle; sends one dump request for family 4, 6 or 0 (both in
 *                      one walk, see send_request) and the states in the bit mask (1 << kernel
 *                      state number), with tcp_info (INET_DIAG_INFO) when `info` is true
 *   read(handle, max)  -> ArrayBuffer of up to `max` fixed records, or null when the dump ended
 *   close(handle)      -> closes the socket (also done by the finalizer)
 * Record layout (RECORD_SIZE bytes, little fields in host order, addresses as raw bytes):
 *   0 u8 state, 1 u8 family (4|6), 2 u16 local port, 4 u16 remote port, 6 u16 pad,
 *   8 u32 rqueue, 12 u32 wqueue, 16 u32 uid, 20 u32 inode, 24 src[16], 40 dst[16],
 *   56 u32 tcpi_last_ack_recv in ms (NO_INFO when the socket carried no tcp_info),
 *   60 u32 idiag_expires in ms (the pending timer; for TIME_WAIT what remains of its 60 s),
 *   64 u32 idiag_cookie[0], 68 u32 idiag_cookie[1] (the kernel's id of the socket)
 * tcp_info costs the kernel a socket lock and ~250 bytes per socket, so JS asks for it only for
 * the states whose age it gives (a second dump with a kernel-side state filter) and joins the
 * two by cookie.
 * Errors are thrown as JS errors carrying the errno text.
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/tcp.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define RECORD_SIZE 72
#define NO_INFO 0xffffffffu
#define RECV_BUFFER (64 * 1024)

typedef struct {
  int fd;
  int done;
  /* Messages received but not yet handed to JS (a batch may end inside a recv buffer). */
  char *buf;
  size_t len;
  size_t pos;
  /* Records of the batch being built, kept across reads: no allocation per batch. */
  uint8_t *out;
  size_t out_cap;
} dump_t;

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  const char *code = err == EACCES || err == EPERM ? "EACCES"
                     : err == ENOENT              ? "ENOENT"
                     : err == EAFNOSUPPORT        ? "EAFNOSUPPORT"
                                                  : "ESOCKDIAG";
  napi_throw_error(env, code, msg);
  return NULL;
}

static void close_dump(dump_t *d) {
  if (d->fd >= 0) close(d->fd);
  d->fd = -1;
  d->done = 1;
}

static void finalize_dump(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  dump_t *d = data;
  close_dump(d);
  free(d->buf);
  free(d->out);
  free(d);
}

/*
 * family AF_INET or AF_INET6: one inet_diag_req_v2 dump of that family. family 0: the older
 * TCPDIAG_GETSOCK request, which the kernel answers for both families in one walk of its socket
 * hash (it dumps with AF_UNSPEC): half the walks, and the walk is most of a dump's kernel time.
 */
static int send_request(int fd, int family, uint32_t states, int info) {
  /* Queues come in the base message; tcp_info only when asked (it is what `ss -i` costs). */
  uint8_t ext = info ? (uint8_t)(1u << (INET_DIAG_INFO - 1)) : 0;
  struct {
    struct nlmsghdr nlh;
    union {
      struct inet_diag_req_v2 v2;
      struct inet_diag_req both;
    } req;
  } msg;
  memset(&msg, 0, sizeof msg);
  msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  msg.nlh.nlmsg_seq = 1;
  if (family == 0) {
    msg.nlh.nlmsg_len = NLMSG_LENGTH(sizeof msg.req.both);
    msg.nlh.nlmsg_type = TCPDIAG_GETSOCK;
    msg.req.both.idiag_states = states; /* a bit per kernel state; NEW_SYN_RECV is bit 12 */
    msg.req.both.idiag_ext = ext;
  } else {
    msg.nlh.nlmsg_len = NLMSG_LENGTH(sizeof msg.req.v2);
    msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    msg.req.v2.sdiag_family = (uint8_t)family;
    msg.req.v2.sdiag_protocol = IPPROTO_TCP;
    msg.req.v2.idiag_states = states;
    msg.req.v2.idiag_ext = ext;
  }
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  struct iovec iov = {&msg, msg.nlh.nlmsg_len};
  struct msghdr mh = {.msg_name = &kernel, .msg_namelen = sizeof kernel, .msg_iov = &iov, .msg_iovlen = 1};
  return sendmsg(fd, &mh, 0) < 0 ? -1 : 0;
}

static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t version = 0;
  uint32_t states = 0;
  bool with_info = false;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3 || napi_get_value_int32(env, argv[0], &version) != napi_ok || (version != 4 && version != 6 && version != 0) ||
      napi_get_value_uint32(env, argv[1], &states) != napi_ok || napi_get_value_bool(env, argv[2], &with_info) != napi_ok) {
    napi_throw_type_error(env, NULL, "open(family, states, info): family 4, 6 or 0 (both), a state bit mask, a boolean");
    return NULL;
  }
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) return throw_errno(env, "socket(NETLINK_SOCK_DIAG)", errno);
  if (send_request(fd, version == 4 ? AF_INET : version == 6 ? AF_INET6 : 0, states, with_info) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "sendmsg(inet_diag_req_v2)", err);
  }
  dump_t *d = calloc(1, sizeof *d);
  char *buf = malloc(RECV_BUFFER);
  if (!d || !buf) {
    free(d);
    free(buf);
    close(fd);
    napi_throw_error(env, "ENOMEM", "out of memory");
    return NULL;
  }
  d->fd = fd;
  d->buf = buf;
  napi_value handle;
  if (napi_create_external(env, d, finalize_dump, NULL, &handle) != napi_ok) {
    finalize_dump(env, d, NULL);
    napi_throw_error(env, NULL, "cannot create handle");
    return NULL;
  }
  return handle;
}

static dump_t *get_dump(napi_env env, napi_value value) {
  void *data = NULL;
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_external ||
      napi_get_value_external(env, value, &data) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a handle from open()");
    return NULL;
  }
  return data;
}

/* tcpi_last_ack_recv from the INET_DIAG_INFO attribute after the message, or NO_INFO. */
static uint32_t last_ack_recv(const struct nlmsghdr *h) {
  const struct inet_diag_msg *m = NLMSG_DATA(h);
  int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof *m);
  const size_t need = offsetof(struct tcp_info, tcpi_last_ack_recv) + sizeof(uint32_t);
  for (const struct rtattr *a = (const struct rtattr *)(m + 1); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
    if (a->rta_type != INET_DIAG_INFO || RTA_PAYLOAD(a) < need) continue;
    uint32_t v;
    memcpy(&v, (const char *)RTA_DATA(a) + offsetof(struct tcp_info, tcpi_last_ack_recv), sizeof v);
    return v;
  }
  return NO_INFO;
}

static void put_record(uint8_t *out, const struct nlmsghdr *h) {
  const struct inet_diag_msg *m = NLMSG_DATA(h);
  uint16_t sport = ntohs(m->id.idiag_sport), dport = ntohs(m->id.idiag_dport);
  uint32_t fields[4] = {m->idiag_rqueue, m->idiag_wqueue, m->idiag_uid, m->idiag_inode};
  out[0] = m->idiag_state;
  out[1] = m->idiag_family == AF_INET ? 4 : 6;
  memcpy(out + 2, &sport, 2);
  memcpy(out + 4, &dport, 2);
  memset(out + 6, 0, 2);
  memcpy(out + 8, fields, 16);
  /* idiag_src/dst are __be32[4]: the bytes are already in network order. */
  memcpy(out + 24, m->id.idiag_src, 16);
  memcpy(out + 40, m->id.idiag_dst, 16);
  uint32_t more[4] = {last_ack_recv(h), m->idiag_expires, m->id.idiag_cookie[0], m->id.idiag_cookie[1]};
  memcpy(out + 56, more, 16);
}

/* Returns 1 when the dump is finished, 0 when more may come, -1 with errno on failure. */
static int fill_buffer(dump_t *d) {
  for (;;) {
    ssize_t n = recv(d->fd, d->buf, RECV_BUFFER, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) return 1;
    d->len = (size_t)n;
    d->pos = 0;
    return 0;
  }
}

static napi_value js_read(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) {
    napi_throw_type_error(env, NULL, "read(handle, maxRecords)");
    return NULL;
  }
  dump_t *d = get_dump(env, argv[0]);
  if (!d) return NULL;
  int32_t max = 0;
  if (napi_get_value_int32(env, argv[1], &max) != napi_ok || max < 1) {
    napi_throw_type_error(env, NULL, "maxRecords must be a positive integer");
    return NULL;
  }
  napi_value result;
  if (d->done && d->pos >= d->len) {
    napi_get_null(env, &result);
    return result;
  }
  if (d->out_cap < (size_t)max) {
    uint8_t *grown = realloc(d->out, (size_t)max * RECORD_SIZE);
    if (!grown) {
      napi_throw_error(env, "ENOMEM", "out of memory");
      return NULL;
    }
    d->out = grown;
    d->out_cap = (size_t)max;
  }
  uint8_t *out = d->out;
  size_t count = 0;
  while (count < (size_t)max && !d->done) {
    if (d->pos >= d->len) {
      int r = fill_buffer(d);
      if (r < 0) {
        int err = errno;
        close_dump(d);
        return throw_errno(env, "recv(sock_diag)", err);
      }
      if (r > 0) {
        close_dump(d);
        break;
      }
    }
    struct nlmsghdr *h = (struct nlmsghdr *)(d->buf + d->pos);
    size_t left = d->len - d->pos;
    if (!NLMSG_OK(h, left)) {
      d->pos = d->len;
      continue;
    }
    d->pos += NLMSG_ALIGN(h->nlmsg_len);
    if (h->nlmsg_type == NLMSG_DONE) {
      close_dump(d);
      break;
    }
    if (h->nlmsg_type == NLMSG_ERROR) {
      const struct nlmsgerr *e = NLMSG_DATA(h);
      int err = h->nlmsg_len >= NLMSG_LENGTH(sizeof *e) ? -e->error : EPROTO;
      close_dump(d);
      return throw_errno(env, "sock_diag dump", err ? err : EPROTO);
    }
    if ((h->nlmsg_type != SOCK_DIAG_BY_FAMILY && h->nlmsg_type != TCPDIAG_GETSOCK) || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg))) continue;
    put_record(out + count * RECORD_SIZE, h);
    count++;
  }
  if (count == 0 && d->done) {
    napi_get_null(env, &result);
    return result;
  }
  void *data = NULL;
  if (napi_create_arraybuffer(env, count * RECORD_SIZE, &data, &result) != napi_ok) {
    napi_throw_error(env, "ENOMEM", "cannot allocate the result");
    return NULL;
  }
  memcpy(data, out, count * RECORD_SIZE);
  return result;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc >= 1) {
    dump_t *d = get_dump(env, argv[0]);
    if (!d) return NULL;
    close_dump(d);
    d->len = d->pos = 0;
  }
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, js_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"read", NULL, js_read, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_value size;
  napi_create_uint32(env, RECORD_SIZE, &size);
  napi_set_named_property(env, exports, "recordSize", size);
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
