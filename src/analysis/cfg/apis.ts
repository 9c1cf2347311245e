/**
 * What the leak engine needs to know of a language's library, as data: a new API is one entry.
 * Acquisitions are still found by the language's rules (src/analysis/languages/*).
 */
export interface LanguageApis {
  /** Methods that close the receiver (`s.close()`), or close it on every way out when passed on. */
  releases: ReadonlySet<string>;
  /** Calls that close their first argument on every way out (`with closing(s)`, `stack.enter_context(s)`). */
  closingWrappers: ReadonlySet<string>;
  /** Calls that take ownership of the sockets passed to them even if otherwise listed as looking only. */
  ownershipTakers: ReadonlySet<string>;
  /** Calls that only look at a socket passed to them: no ownership moves. */
  nonOwning: ReadonlySet<string>;
  /** Receivers whose method calls only look (loggers). */
  loggers: RegExp;
  /** Calls that cannot raise in practice: no exceptional edge. */
  pure: ReadonlySet<string>;
  /** Methods on a socket that do not raise in practice (accessors): no exceptional edge. */
  pureMethods: ReadonlySet<string>;
  /** Methods whose result keeps the receiver alive and owns it when handed on (`s.makefile()`). */
  derivedHandles: ReadonlySet<string>;
  /** Acquisitions that take over the socket passed to them (`ctx.wrap_socket(raw)`), even when they raise. */
  wrappingAcquisitions: ReadonlySet<string>;
}

export const PYTHON_APIS: LanguageApis = {
  releases: new Set(['close', 'detach', '__exit__', 'aclose']),
  closingWrappers: new Set(['closing', 'aclosing', 'enter_context', 'enter_async_context']),
  ownershipTakers: new Set([]),
  nonOwning: new Set([
    'print', 'len', 'repr', 'str', 'id', 'isinstance', 'type', 'select', 'poll', 'format', 'getattr', 'hasattr', 'setattr', 'discard', 'remove',
    'unregister', 'modify', 'debug', 'info', 'warning', 'warn', 'error', 'exception', 'critical', 'log', 'fileno', 'getpeername', 'getsockname',
  ]),
  loggers: /^(?:logging|logger|log|_log|_logger|LOG|LOGGER|log_?\w*)$/,
  pure: new Set(['len', 'isinstance', 'issubclass', 'id', 'type', 'repr', 'str', 'hasattr', 'callable', 'bool']),
  pureMethods: new Set([
    'makefile', 'fileno', 'gettimeout', 'getblocking', 'getsockname', 'getpeername', 'get_extra_info', 'is_closing',
    // Containers and strings: they raise only on memory exhaustion or misuse the code would not survive anyway.
    'append', 'appendleft', 'add', 'extend', 'discard', 'setdefault', 'get', 'items', 'keys', 'values', 'copy',
    'startswith', 'endswith', 'lower', 'upper', 'strip', 'rstrip', 'lstrip', 'split', 'join', 'format',
  ]),
  derivedHandles: new Set(['makefile']),
  wrappingAcquisitions: new Set(['wrap_socket']),
};

/** JavaScript/TypeScript: only which calls throw is data here; the rules classify the socket's uses. */
export const JAVASCRIPT_APIS: Pick<LanguageApis, 'pure' | 'pureMethods' | 'loggers'> = {
  // Timers, promise settlers, value constructors, and `new Promise` (its executor's throw becomes a rejection).
  pure: new Set([
    'setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'clearImmediate', 'resolve', 'reject', 'String', 'Number',
    'Boolean', 'Symbol', 'isNaN', 'parseInt', 'parseFloat', 'Error', 'TypeError', 'RangeError', 'Promise', 'Map', 'Set', 'WeakMap', 'WeakSet',
    'Array', 'Date', 'AbortController', 'once',
  ]),
  // Node reports a socket's failures as 'error' events, not exceptions; containers, strings and buffers fail only on misuse.
  pureMethods: new Set([
    'on', 'once', 'off', 'addListener', 'removeListener', 'removeAllListeners', 'prependListener', 'prependOnceListener', 'emit', 'listenerCount',
    'setMaxListeners', 'write', 'end', 'destroy', 'destroySoon', 'resetAndDestroy', 'setTimeout', 'setEncoding', 'setNoDelay', 'setKeepAlive',
    'pause', 'resume', 'pipe', 'unpipe', 'ref', 'unref', 'address', 'cork', 'uncork', 'close', 'connect', 'getPeerCertificate',
    'push', 'pop', 'shift', 'unshift', 'set', 'get', 'has', 'add', 'delete', 'clear', 'keys', 'values', 'entries', 'forEach',
    'toString', 'slice', 'concat', 'indexOf', 'includes', 'join', 'split', 'trim', 'startsWith', 'endsWith', 'padStart', 'padEnd',
    'stringify', 'from', 'alloc', 'allocUnsafe', 'byteLength', 'isBuffer', 'writeUInt8', 'writeUInt16BE', 'writeUInt32BE', 'writeInt32BE',
    'readUInt8', 'readUInt16BE', 'readUInt32BE', 'now', 'floor', 'ceil', 'round', 'min', 'max', 'random', 'then', 'catch', 'finally', 'bind',
  ]),
  loggers: /^(?:console|log|logger|_log|_logger|LOG|LOGGER|debug|this\.log|this\.logger|this\._log)$/,
};
