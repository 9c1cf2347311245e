/**
 * Calls that do not throw in practice, for the languages where any other call may (Java, C#): no
 * exceptional edge in the leak engine's graph. Data only; each language's table fills it.
 */
export interface QuietCalls {
  /** Receivers whose every method is quiet: loggers, math and string helpers (matched on the receiver's text). */
  receivers: RegExp;
  /** Methods that are quiet on any receiver: accessors, collections, options of a socket just made. */
  methods: ReadonlySet<string>;
  /** Constructors that do not throw: decorators over a stream, buffers, collections, addresses. */
  types: ReadonlySet<string>;
}

/** Whether a call of `method` (on `receiver`, when it has one) is quiet by the table. */
export function isQuietCall(quiet: QuietCalls, method: string, receiver: string | undefined): boolean {
  return quiet.methods.has(method) || (receiver !== undefined && quiet.receivers.test(receiver));
}

/** Whether `new Type(…)` is quiet by the table (generic arguments and package ignored). */
export function isQuietType(quiet: QuietCalls, type: string): boolean {
  return quiet.types.has(type.replace(/<.*$/s, '').replace(/^.*\./, ''));
}
