/**
 * Python's socket APIs as the leak rules (src/analysis/languages/python.ts) and the engine's
 * front end (src/analysis/cfg/python.ts) see them: a new API is one entry here.
 */

export const PYTHON_APIS = {
  /** `socket.socket(…)`, `socket.create_connection(…)`, also imported bare from `socket`. */
  socketFactories: new Set(['socket', 'create_connection', 'fromfd', 'create_server']),
  /** Calls whose value is their first argument's once awaited: `await asyncio.wait_for(asyncio.open_connection(h, p), 5)`. */
  passThrough: new Set(['wait_for', 'shield']),
  /**
   * A StreamWriter's methods that only buffer or look: a lost connection shows at the next
   * `drain()` or read, not here (no exceptional edge on a stream client's writer).
   */
  streamWriterQuiet: new Set(['write', 'writelines', 'can_write_eof', 'get_extra_info', 'is_closing']),
  /** A StreamWriter's transport closed directly (`writer.transport.close()`, `.abort()`): the writer is closed. */
  transportReleases: new Set(['close', 'abort']),
  /** asyncio stream clients and servers: `(reader, writer)` pairs. */
  streamOpeners: new Set(['open_connection', 'open_unix_connection']),
  streamServers: new Set(['start_server', 'start_unix_server']),
  /** Methods that accept a connection, by the number of arguments they take: `srv.accept()`, `await loop.sock_accept(srv)`. */
  acceptMethods: new Map([
    ['accept', 0],
    ['sock_accept', 1],
  ]) as ReadonlyMap<string, number>,
  /** Reads whose empty result is the peer's EOF. */
  reads: new Set(['recv', 'recv_into', 'recvfrom', 'read', 'readline', 'readexactly', 'readuntil']),
  /** Methods of a container that keep what is passed to them. */
  stores: new Set(['append', 'appendleft', 'add', 'insert', 'extend', 'put', 'put_nowait', 'register', 'setdefault']),
  /** Methods that close the receiver (`s.close()`), or close it on every way out when passed on. */
  releases: new Set(['close', 'detach', '__exit__', 'aclose']),
  /** Conditions true once the socket was closed (`fileno()` is -1 after `close()`), the variable in group `name`. */
  alreadyClosed: [/^(?<name>[A-Za-z_]\w*)\._closed$/, /^(?<name>[A-Za-z_]\w*)\.fileno\(\)\s*(?:==\s*-1|<\s*0)$/],
  /** Their opposites: true while it is open. */
  stillOpen: [/^(?<name>[A-Za-z_]\w*)\.fileno\(\)\s*(?:!=\s*-1|>=\s*0|>\s*-1)$/],
  /** Statements that end the program (SystemExit is seldom caught): a socket still open there is the kernel's to close. */
  processExits: /^(?:sys\.exit|os\._exit|os\.abort|exit|quit)\s*\(/,
  /** Calls that close their first argument on every way out (`with closing(s)`, `stack.enter_context(s)`). */
  closingWrappers: new Set(['closing', 'aclosing', 'enter_context', 'enter_async_context']),
  /** Calls that take ownership of the sockets passed to them even if otherwise listed as looking only. */
  ownershipTakers: new Set<string>([]),
  /**
   * Calls that keep a socket passed to them only when they return: raising, they leave it with the
   * caller (a selector's `register` forgets the socket again when epoll or kqueue refuses it).
   */
  takesOnReturn: new Set(['register']),
  /** Calls that only look at a socket passed to them: no ownership moves. */
  nonOwning: new Set([
    'print',
    'len',
    'repr',
    'str',
    'id',
    'isinstance',
    'type',
    'select',
    'poll',
    'format',
    'getattr',
    'hasattr',
    'setattr',
    'discard',
    'remove',
    'unregister',
    'modify',
    'debug',
    'info',
    'warning',
    'warn',
    'error',
    'exception',
    'critical',
    'log',
    'fileno',
    'getpeername',
    'getsockname',
    // An event loop's socket operations use the socket they are given, and leave it with the caller.
    'sock_connect',
    'sock_sendall',
    'sock_sendto',
    'sock_sendfile',
    'sock_recv',
    'sock_recv_into',
    'sock_recvfrom',
    'sock_recvfrom_into',
    'sock_accept',
  ]),
  /** Receivers whose method calls only look (loggers). */
  loggers: /^(?:logging|logger|log|_log|_logger|LOG|LOGGER|log_?\w*)$/,
  /** Calls that cannot raise in practice: no exceptional edge. */
  pure: new Set(['len', 'isinstance', 'issubclass', 'id', 'type', 'repr', 'str', 'hasattr', 'callable', 'bool', 'print']),
  /** Methods on a socket that do not raise in practice (accessors): no exceptional edge. */
  pureMethods: new Set([
    'makefile',
    'fileno',
    'gettimeout',
    'getblocking',
    'getsockname',
    'getpeername',
    'get_extra_info',
    'is_closing',
    // Containers and strings: they raise only on memory exhaustion or misuse the code would not survive anyway.
    'append',
    'appendleft',
    'add',
    'extend',
    'discard',
    'setdefault',
    'get',
    'items',
    'keys',
    'values',
    'copy',
    'startswith',
    'endswith',
    'lower',
    'upper',
    'strip',
    'rstrip',
    'lstrip',
    'split',
    'join',
    'format',
  ]),
  /**
   * Socket options that fail only on a closed socket or a bad value: given literals and module
   * constants they cannot raise (`s.setblocking(False)`, `s.settimeout(5)`,
   * `s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)`), so they get no exceptional edge
   * then; `s.settimeout(self.timeout)` may still raise ValueError on a negative setting.
   */
  quietWithConstants: new Set(['setblocking', 'settimeout', 'setsockopt']),
  /** Methods whose result keeps the receiver alive and owns it when handed on (`s.makefile()`). */
  derivedHandles: new Set(['makefile']),
  /**
   * What an `except` clause catches of the OSErrors a socket method raises: these names catch them
   * all (bare `except:` too) …
   */
  catchesEveryOsError: new Set([
    'Exception',
    'BaseException',
    'OSError',
    'IOError',
    'EnvironmentError',
    'socket.error',
    'error',
    'select.error',
  ]),
  /** … these only some (`except ConnectionRefusedError:` lets a timeout or a reset through) … */
  catchesSomeOsErrors: new Set([
    'ConnectionError',
    'ConnectionRefusedError',
    'ConnectionResetError',
    'ConnectionAbortedError',
    'BrokenPipeError',
    'TimeoutError',
    'socket.timeout',
    'timeout',
    'BlockingIOError',
    'InterruptedError',
    'socket.gaierror',
    'gaierror',
    'socket.herror',
    'ssl.SSLError',
    'SSLError',
    'ssl.SSLZeroReturnError',
    'ssl.SSLWantReadError',
    'ssl.SSLWantWriteError',
    'ssl.CertificateError',
    'FileNotFoundError',
    'PermissionError',
  ]),
  /** … and these none; a clause naming anything else (the code's own classes) is taken to catch them all. */
  catchesNoOsError: new Set([
    'ValueError',
    'TypeError',
    'KeyError',
    'IndexError',
    'LookupError',
    'AttributeError',
    'UnicodeError',
    'UnicodeDecodeError',
    'UnicodeEncodeError',
    'StopIteration',
    'StopAsyncIteration',
    'AssertionError',
    'ZeroDivisionError',
    'ArithmeticError',
    'OverflowError',
    'NotImplementedError',
    'RuntimeError',
    'RecursionError',
    'ImportError',
    'ModuleNotFoundError',
    'NameError',
    'KeyboardInterrupt',
    'json.JSONDecodeError',
    'struct.error',
    'asyncio.CancelledError',
    'asyncio.TimeoutError',
    'CancelledError',
  ]),
  /** Acquisitions that take over the socket passed to them (`ctx.wrap_socket(raw)`), even when they raise. */
  wrappingAcquisitions: new Set(['wrap_socket']),
};
