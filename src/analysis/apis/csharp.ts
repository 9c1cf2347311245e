import type { QuietCalls } from './quiet';

/**
 * C#'s socket APIs as the leak rules (src/analysis/languages/csharp.ts) and the engine's front
 * end (src/analysis/cfg/csharp.ts) see them: a new API is one entry here.
 */

const LOGGERS = ['Console', 'Debug', 'Trace', '_?logger', '_?log', 'Logger', 'Log'];

export const CSHARP_APIS = {
  socketTypes: new Set(['Socket', 'TcpClient', 'TcpListener', 'UdpClient']),
  /** What listens once made: left open, it keeps its port (no peer to wait on in CLOSE_WAIT). */
  listening: new Set(['TcpListener']),
  acceptMethods: new Set(['AcceptSocket', 'AcceptTcpClient', 'AcceptSocketAsync', 'AcceptTcpClientAsync', 'Accept', 'AcceptAsync']),
  releases: new Set(['Close', 'Dispose', 'DisposeAsync', 'Stop']),
  /** Statements that end the program: a socket still open there is the kernel's to close. */
  processExits: /^(?:System\.)?Environment\.(?:Exit|FailFast)\s*\(/,
  /** `GetStream()` owns the socket: disposing the stream disposes it. */
  streamMethods: new Set(['GetStream']),
  /** Calls on a socket that leave it connected when they return (`BeginConnect` is completed by `EndConnect`). */
  connects: new Set(['Connect', 'ConnectAsync', 'EndConnect']),
  /** The socket's own state: true once a connect completed (and until a send or receive fails). */
  connectedStates: new Set(['Connected']),
  /** Members whose value holds nothing of the socket (`new TcpListener(ep).LocalEndpoint`): read off a new socket, they lose it. */
  detachedResults:
    /^(?:LocalEndpoint|LocalEndPoint|RemoteEndPoint|Connected|Available|Active|Ttl|NoDelay|\w*Timeout|\w*BufferSize|ToString|GetHashCode)$/,
  /** `client.Client`: the very socket of a TcpClient or UdpClient; where it goes, the connection goes. */
  derivedHandles: new Set(['Client']),
  /** Readers and writers over a stream: disposing one disposes the stream, and the socket under it. */
  decorators: new Set(['StreamReader', 'StreamWriter', 'BinaryReader', 'BinaryWriter', 'BufferedStream', 'SslStream']),
  loggers: new RegExp(`^(?:${LOGGERS.join('|')})$`),
  quiet: {
    receivers: new RegExp(`^(?:${[...LOGGERS, 'Math', 'string', 'String', 'Interlocked'].join('|')})$`),
    methods: new Set([
      'ToString',
      'Equals',
      'GetHashCode',
      'Add',
      'TryAdd',
      'Remove',
      'TryRemove',
      'Contains',
      'ContainsKey',
      'TryGetValue',
      'Clear',
      'Format',
      'Join',
      'Concat',
      'IsNullOrEmpty',
      'ConfigureAwait',
      'GetStream',
      'Log',
      'LogInformation',
      'LogWarning',
      'LogError',
      'LogDebug',
      'LogTrace',
      'WriteLine',
      'Increment',
      'Decrement',
      'FromSeconds',
      'FromMilliseconds',
      'SetSocketOption',
      'Parse',
      'nameof',
      // TcpListener.Start stops the listener again when it cannot listen; disposing does not throw (Shutdown does, on a socket not connected).
      'Start',
      'Dispose',
      'Close',
      'Stop',
    ]),
    types: new Set([
      'StreamReader',
      'StreamWriter',
      'BinaryReader',
      'BinaryWriter',
      'BufferedStream',
      'List',
      'Dictionary',
      'StringBuilder',
      'IPEndPoint',
      'CancellationTokenSource',
      'byte',
      'Exception',
      'InvalidOperationException',
      'IOException',
      'TimeoutException',
      'ArgumentException',
      'object',
    ]),
  } satisfies QuietCalls,
};
