/*
 * TCP table reader over NETLINK_SOCK_DIAG (what `ss -tan` uses), as an N-API addon so one
 * binary loads in Node and in VS Code's Electron extension host alike.
 *
 * JS drives the dump in batches so the event loop gets a turn between them:
 *   open(family, states, info) -> handle; sends one dump request for family 4, 6 or 0 (both in
 *                      one walk, see send_request) and the states in the bit mask (1 << kernel
 *                      state number), with tcp_info (INET_DIAG_INFO) when `info` is true
 *   openAsync(family, states, info) -> Promise of the handle: open() on libuv's thread pool (the
 *                      kernel walks part of its tables while it takes the request)
 *   read(handle, max)  -> ArrayBuffer of up to `max` fixed records, or null when the dump ended
 *   readInto(handle, u8) -> the same records written into the caller's Uint8Array (as many as
 *                      fit): their count, or -1 when the dump ended
 *   close(handle)      -> closes the socket (also done by the finalizer)
 *   lookup(records, info) -> ArrayBuffer: for each record (as read() gave it) that socket's
 *                      record now, by an exact lookup (4-tuple and cookie), with tcp_info when
 *                      `info`; state 0 where the kernel no longer has it
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

/* A JS Error for errno `err`, with `code` set as the JS side expects. */
static napi_value errno_error(napi_env env, const char *what, int err) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  const char *code = err == EACCES || err == EPERM ? "EACCES"
                     : err == ENOENT              ? "ENOENT"
                     : err == EAFNOSUPPORT        ? "EAFNOSUPPORT"
                                                  : "ESOCKDIAG";
  napi_value code_value, msg_value, error = NULL;
  napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &code_value);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &msg_value);
  napi_create_error(env, code_value, msg_value, &error);
  return error;
}

static napi_value throw_errno(napi_env env, const char *what, int err) {
  napi_throw(env, errno_error(env, what, err));
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

/* The arguments of open() and openAsync(); false with a TypeError thrown when they are wrong. */
static bool open_args(napi_env env, napi_callback_info info, int *family, uint32_t *states, bool *with_info) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t version = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3 || napi_get_value_int32(env, argv[0], &version) != napi_ok || (version != 4 && version != 6 && version != 0) ||
      napi_get_value_uint32(env, argv[1], states) != napi_ok || napi_get_value_bool(env, argv[2], with_info) != napi_ok) {
    napi_throw_type_error(env, NULL, "open(family, states, info): family 4, 6 or 0 (both), a state bit mask, a boolean");
    return false;
  }
  *family = version == 4 ? AF_INET : version == 6 ? AF_INET6 : 0;
  return true;
}

/*
 * Opens the netlink socket and sends the dump request. The kernel fills the first batch while
 * it takes the request, and that includes its whole listening hash and every empty bucket up to
 * the first sockets: tens of ms on a host with a large table, however few sockets it holds.
 * Returns the socket, or -1 with *what and errno set.
 */
static int start_dump(int family, uint32_t states, bool with_info, const char **what) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) {
    *what = "socket(NETLINK_SOCK_DIAG)";
    return -1;
  }
  if (send_request(fd, family, states, with_info) < 0) {
    int err = errno;
    close(fd);
    errno = err;
    *what = "sendmsg(inet_diag_req_v2)";
    return -1;
  }
  return fd;
}

/* The JS handle of a dump on socket `fd` (closed on failure); NULL with *error set on failure. */
static napi_value wrap_dump(napi_env env, int fd, napi_value *error) {
  dump_t *d = calloc(1, sizeof *d);
  char *buf = malloc(RECV_BUFFER);
  napi_value handle;
  if (!d || !buf) {
    free(d);
    free(buf);
    close(fd);
    *error = errno_error(env, "out of memory", ENOMEM);
    return NULL;
  }
  d->fd = fd;
  d->buf = buf;
  if (napi_create_external(env, d, finalize_dump, NULL, &handle) != napi_ok) {
    finalize_dump(env, d, NULL);
    *error = errno_error(env, "cannot create handle", ENOMEM);
    return NULL;
  }
  return handle;
}

static napi_value js_open(napi_env env, napi_callback_info info) {
  int family;
  uint32_t states;
  bool with_info;
  if (!open_args(env, info, &family, &states, &with_info)) return NULL;
  const char *what = NULL;
  int fd = start_dump(family, states, with_info, &what);
  if (fd < 0) return throw_errno(env, what, errno);
  napi_value error = NULL, handle = wrap_dump(env, fd, &error);
  if (!handle) napi_throw(env, error);
  return handle;
}

/* openAsync(): open() with the socket and the request on libuv's thread pool. */
typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  int family;
  uint32_t states;
  bool with_info;
  int fd;
  int err;
  const char *what;
} open_job_t;

static void open_execute(napi_env env, void *data) {
  (void)env;
  open_job_t *job = data;
  job->fd = start_dump(job->family, job->states, job->with_info, &job->what);
  job->err = job->fd < 0 ? errno : 0;
}

static void open_complete(napi_env env, napi_status status, void *data) {
  open_job_t *job = data;
  napi_value error = NULL, handle = NULL;
  if (status != napi_ok) {
    if (job->fd >= 0) close(job->fd);
    error = errno_error(env, "openAsync", ECANCELED);
  } else if (job->fd < 0) {
    error = errno_error(env, job->what, job->err);
  } else {
    handle = wrap_dump(env, job->fd, &error);
  }
  if (handle) napi_resolve_deferred(env, job->deferred, handle);
  else napi_reject_deferred(env, job->deferred, error);
  napi_delete_async_work(env, job->work);
  free(job);
}

static napi_value js_open_async(napi_env env, napi_callback_info info) {
  open_job_t *job = calloc(1, sizeof *job);
  if (!job) return throw_errno(env, "openAsync", ENOMEM);
  if (!open_args(env, info, &job->family, &job->states, &job->with_info)) {
    free(job);
    return NULL;
  }
  napi_value promise, name;
  napi_create_string_utf8(env, "sockdiag.open", NAPI_AUTO_LENGTH, &name);
  if (napi_create_promise(env, &job->deferred, &promise) != napi_ok ||
      napi_create_async_work(env, NULL, name, open_execute, open_complete, job, &job->work) != napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok) {
    free(job);
    return throw_errno(env, "openAsync", ENOMEM);
  }
  return promise;
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

/*
 * Fills `out` with up to `max` records of the dump. Returns the count (fewer than `max` only when
 * the dump ended), or -1 with a JS error thrown.
 */
static long fill_records(napi_env env, dump_t *d, uint8_t *out, size_t max) {
  size_t count = 0;
  while (count < max && !d->done) {
    if (d->pos >= d->len) {
      int r = fill_buffer(d);
      if (r < 0) {
        int err = errno;
        close_dump(d);
        throw_errno(env, "recv(sock_diag)", err);
        return -1;
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
      throw_errno(env, "sock_diag dump", err ? err : EPROTO);
      return -1;
    }
    if ((h->nlmsg_type != SOCK_DIAG_BY_FAMILY && h->nlmsg_type != TCPDIAG_GETSOCK) || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg))) continue;
    put_record(out + count * RECORD_SIZE, h);
    count++;
  }
  return (long)count;
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
  long count = fill_records(env, d, d->out, (size_t)max);
  if (count < 0) return NULL;
  if (count == 0 && d->done) {
    napi_get_null(env, &result);
    return result;
  }
  void *data = NULL;
  if (napi_create_arraybuffer(env, (size_t)count * RECORD_SIZE, &data, &result) != napi_ok) {
    napi_throw_error(env, "ENOMEM", "cannot allocate the result");
    return NULL;
  }
  memcpy(data, d->out, (size_t)count * RECORD_SIZE);
  return result;
}

/* The bytes of a Uint8Array argument; NULL with a TypeError thrown when it is not one. */
static uint8_t *get_bytes(napi_env env, napi_value value, size_t *length, const char *usage) {
  bool is_typed = false;
  napi_typedarray_type type;
  void *data = NULL;
  napi_value arraybuffer;
  size_t offset = 0;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, value, &type, length, &data, &arraybuffer, &offset) != napi_ok || type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  return data;
}

/*
 * read() into the caller's buffer: no ArrayBuffer per batch (at 100,000 sockets a dump is some
 * 65 batches of 110 KB, external memory that pushes V8 into full collections). Returns the
 * number of records written, or -1 when the dump has ended.
 */
static napi_value js_read_into(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2] = {NULL, NULL};
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  const char *usage = "readInto(handle, Uint8Array): room for one record at least";
  if (argc < 2) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  dump_t *d = get_dump(env, argv[0]);
  if (!d) return NULL;
  size_t length = 0;
  uint8_t *data = get_bytes(env, argv[1], &length, usage);
  if (!data) return NULL;
  if (length < RECORD_SIZE) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  napi_value result;
  long count = 0;
  if (!(d->done && d->pos >= d->len)) {
    count = fill_records(env, d, data, length / RECORD_SIZE);
    if (count < 0) return NULL;
  }
  napi_create_int32(env, count == 0 && d->done ? -1 : (int32_t)count, &result);
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

/*
 * One exact sock_diag lookup (no dump: the kernel finds the socket by its 4-tuple and checks the
 * cookie): writes the socket's record as it is now into `out` (with tcp_info when `with_info`),
 * or a record of state 0 (no such socket: ENOENT, or ESTALE for another socket on the 4-tuple).
 */
static void lookup_one(int fd, const uint8_t *rec, uint32_t seq, bool with_info, char *buf, size_t cap, uint8_t *out) {
  uint32_t none[4] = {NO_INFO, 0, 0, 0};
  memset(out, 0, RECORD_SIZE);
  memcpy(out + 56, none, 16);
  struct {
    struct nlmsghdr nlh;
    struct inet_diag_req_v2 req;
  } msg;
  memset(&msg, 0, sizeof msg);
  msg.nlh.nlmsg_len = sizeof msg;
  msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  msg.nlh.nlmsg_flags = NLM_F_REQUEST;
  msg.nlh.nlmsg_seq = seq;
  msg.req.sdiag_family = rec[1] == 4 ? AF_INET : AF_INET6;
  msg.req.sdiag_protocol = IPPROTO_TCP;
  msg.req.idiag_states = 0xffffffffu;
  msg.req.idiag_ext = with_info ? (uint8_t)(1u << (INET_DIAG_INFO - 1)) : 0;
  uint16_t sport, dport;
  memcpy(&sport, rec + 2, 2);
  memcpy(&dport, rec + 4, 2);
  msg.req.id.idiag_sport = htons(sport);
  msg.req.id.idiag_dport = htons(dport);
  memcpy(msg.req.id.idiag_src, rec + 24, 16);
  memcpy(msg.req.id.idiag_dst, rec + 40, 16);
  memcpy(msg.req.id.idiag_cookie, rec + 64, 8);
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  if (sendto(fd, &msg, sizeof msg, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) return;
  for (;;) {
    ssize_t n = recv(fd, buf, cap, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    size_t left = (size_t)n;
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
      if (h->nlmsg_seq != seq) continue; /* a late answer to an earlier request */
      if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY && h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct inet_diag_msg))) put_record(out, h);
      return; /* or NLMSG_ERROR: not found */
    }
  }
}

static napi_value js_lookup(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2] = {NULL, NULL};
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  const char *usage = "lookup(records, info): a Uint8Array of records, a boolean";
  bool with_info = false;
  if (argc < 2 || napi_get_value_bool(env, argv[1], &with_info) != napi_ok) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  size_t length = 0;
  const uint8_t *data = get_bytes(env, argv[0], &length, usage);
  if (!data) return NULL;
  size_t count = length / RECORD_SIZE;
  void *out = NULL;
  napi_value result;
  if (napi_create_arraybuffer(env, count * RECORD_SIZE, &out, &result) != napi_ok) {
    napi_throw_error(env, "ENOMEM", "cannot allocate the result");
    return NULL;
  }
  if (count == 0) return result;
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) return throw_errno(env, "socket(NETLINK_SOCK_DIAG)", errno);
  char buf[8192];
  for (size_t i = 0; i < count; i++)
    lookup_one(fd, data + i * RECORD_SIZE, (uint32_t)i + 1, with_info, buf, sizeof buf, (uint8_t *)out + i * RECORD_SIZE);
  close(fd);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, js_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"openAsync", NULL, js_open_async, NULL, NULL, NULL, napi_enumerable, NULL},
      {"read", NULL, js_read, NULL, NULL, NULL, napi_enumerable, NULL},
      {"readInto", NULL, js_read_into, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"lookup", NULL, js_lookup, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_value size;
  napi_create_uint32(env, RECORD_SIZE, &size);
  napi_set_named_property(env, exports, "recordSize", size);
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
