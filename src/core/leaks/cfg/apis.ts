/**
 * What the leak engine needs to know of a language's library, as data: a new API is one entry.
 * Acquisitions are still found by the language's rules (src/core/leaks/languages/*).
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
