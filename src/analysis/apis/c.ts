/**
 * The C/C++ sockets API as the leak rules (src/analysis/languages/c.ts) and the engine's front end
 * (src/analysis/cfg/c.ts) see it: a new API is one entry here.
 */
export const C_APIS = {
  /** Calls that make a descriptor, with the arguments they take at least (fewer: some other function of that name). */
  acquirers: { socket: 3, accept: 3, accept4: 4 } as Readonly<Record<string, number>>,
  releases: new Set(['close', 'closesocket']),
  /**
   * The sockets API and friends: they use a descriptor without taking it over. `FD_SET` is not among
   * them: a select() server keeps its clients in the master set and closes them from there.
   */
  nonOwning: new Set([
    'read',
    'write',
    'recv',
    'send',
    'recvfrom',
    'sendto',
    'recvmsg',
    'sendmsg',
    'readv',
    'writev',
    'pread',
    'pwrite',
    'bind',
    'listen',
    'connect',
    'accept',
    'accept4',
    'setsockopt',
    'getsockopt',
    'getsockname',
    'getpeername',
    'fcntl',
    'ioctl',
    'ioctlsocket',
    'shutdown',
    'FD_ISSET',
    'FD_CLR',
    'epoll_ctl',
    'sendfile',
    'splice',
    'printf',
    'fprintf',
    'dprintf',
    'syslog',
    'perror',
    'fstat',
    'fsync',
    'select',
    'poll',
    'SSL_set_fd',
    'WSAGetLastError',
    'inet_ntop',
    'inet_pton',
    'htons',
    'ntohs',
    'memset',
    'sizeof',
  ]),
  /**
   * Registrations of a descriptor with the kernel's event loop, which then owns it (the loop
   * closes it on EOF): the call, the argument that names the operation and its adding value, and
   * the descriptor's argument. Tested for failure (`if (epoll_ctl(…) < 0)`), the descriptor is
   * still the caller's on the failing branch.
   */
  registrations: {
    epoll_ctl: { operation: 1, adds: 'EPOLL_CTL_ADD', descriptor: 2 },
  } as Readonly<Record<string, { operation: number; adds: string; descriptor: number }>>,
  /** Structs that only describe a request about a descriptor (to poll, to epoll_ctl): a descriptor put in a local one is not stored. */
  requestBlocks: /\b(?:pollfd|epoll_event)\b/,
  /** Names of the invalid descriptor (-1, or ~0 for a Windows SOCKET), or of a failed call's result (`ANET_ERR`, `NGX_ERROR`), that a failure test compares with. */
  invalidDescriptors: /^(?:\w+_)?INVALID_(?:FD|SOCKET)$|^(?:\w+_)?SOCKET_BAD$|^(?:\w+_)?BAD_SOCKET$|^SOCKET_ERROR$|^\w+_ERR(?:OR)?$/,
  /** Calls that end the process: nothing leaks past them. */
  processExits: new Set(['exit', '_exit', '_Exit', 'abort', 'err', 'errx', 'verr', 'verrx', 'quick_exit', 'die', 'fatal', 'panic']),
};
