import type { QuietCalls } from './quiet';

/**
 * Java's socket APIs as the leak rules and the engine's front end see them: a new API is one
 * entry here. Acquisitions, releases and hand-offs are read by src/analysis/languages/java.ts,
 * the quiet calls by src/analysis/cfg/java.ts.
 */

/** java.io decorators that neither read nor write when made: closing one closes what it wraps. */
const QUIET_DECORATORS = [
  'BufferedReader',
  'InputStreamReader',
  'PrintWriter',
  'BufferedWriter',
  'OutputStreamWriter',
  'DataInputStream',
  'DataOutputStream',
  'BufferedInputStream',
  'BufferedOutputStream',
  'PrintStream',
  'Scanner',
];

export const JAVA_APIS = {
  socketTypes: new Set(['Socket', 'ServerSocket', 'SSLSocket', 'SSLServerSocket', 'DatagramSocket', 'MulticastSocket']),
  /** `SocketChannel.open()` and its relatives. */
  channelFactories: new Set([
    'SocketChannel',
    'ServerSocketChannel',
    'AsynchronousSocketChannel',
    'AsynchronousServerSocketChannel',
    'DatagramChannel',
  ]),
  factoryMethods: new Set(['createSocket', 'createServerSocket']),
  /** What listens or is bound to a port once made: left open, it keeps the port (no peer to wait on in CLOSE_WAIT). */
  listening: new Set([
    'ServerSocket',
    'SSLServerSocket',
    'DatagramSocket',
    'MulticastSocket',
    'ServerSocketChannel',
    'AsynchronousServerSocketChannel',
    'createServerSocket',
  ]),
  /**
   * `sslFactory.createSocket(existing, host, port, autoClose)` (and `(existing, consumed, autoClose)`):
   * TLS layered over a socket that already holds the descriptor, told by its last argument.
   */
  layeredFactory: { method: 'createSocket', minArity: 3, autoClose: /^(?:true|false|\w*[aA]utoClose)$/ },
  /** Made without an address (`new Socket()`, `factory.createSocket()`): no descriptor until `givesDescriptor`. */
  unconnectedTypes: new Set(['Socket', 'ServerSocket', 'SSLSocket', 'SSLServerSocket']),
  unconnectedFactory: 'createSocket',
  givesDescriptor: new Set(['connect', 'bind']),
  /** `Socket.connect` and `SocketChannel.connect` close the socket themselves when the connection fails. */
  closingOnFailure: new Set(['connect']),
  releases: new Set(['close']),
  /** Conditions true once the program closed the socket (see ClosedTest). */
  alreadyClosed: [/^(?<name>[A-Za-z_$][\w$]*)\.isClosed\(\)$/],
  /** Statements that end the program: a socket still open there is the kernel's to close. */
  processExits: /^(?:System\.exit|Runtime\.getRuntime\(\)\.(?:exit|halt))\s*\(/,
  /** Helpers that close the socket passed to them. */
  closeHelpers: new Set(['closeQuietly', 'closeSilently', 'closeQuietlyIgnoringErrors']),
  /** Methods on the socket itself that give it to another owner (a selector closes its channels). */
  handingMethods: new Set(['register']),
  /** A stream of the socket: closing it closes the socket. */
  streamMethods: new Set(['getInputStream', 'getOutputStream']),
  /** Methods whose result holds nothing of the socket (`new ServerSocket(0).getLocalPort()`): called on a new socket, they lose it. */
  detachedResults:
    /^(?:get(?:Local)?Port|getInetAddress|getLocalAddress|get(?:Local|Remote)SocketAddress|is[A-Z]\w*|get\w*(?:Size|Timeout)|getTcpNoDelay|getKeepAlive|getReuseAddress|getSoLinger|getTrafficClass|toString|hashCode)$/,
  /** `ch.socket()` keeps the channel alive: where the handle goes, the channel goes. */
  derivedHandles: new Set(['socket']),
  loggers: /^(log|logger|LOG|LOGGER|System\.out|System\.err)$/,
  /** Decorators over a socket's stream (ObjectInput/OutputStream read or write a header when made). */
  decorators: new Set([...QUIET_DECORATORS, 'ObjectInputStream', 'ObjectOutputStream']),
  quiet: {
    // Loggers also by their last name (`Transport.tcpLog`, `this.logger`).
    receivers:
      /^(?:(?:[\w.]+\.)?(?:log|logger|LOG|LOGGER|[a-z]\w*Log|[a-z]\w*Logger)|System\.out|System\.err|Objects|Math|String|Integer|Long)$/,
    methods: new Set([
      'isClosed',
      'isConnected',
      'isBound',
      'getPort',
      'getLocalPort',
      'getInetAddress',
      'getLocalAddress',
      'getRemoteSocketAddress',
      'getLocalSocketAddress',
      'toString',
      'hashCode',
      'equals',
      'size',
      'length',
      'isEmpty',
      'get',
      'put',
      'add',
      'remove',
      'contains',
      'containsKey',
      'getFirst',
      'getLast',
      'clear',
      'isLoggable',
      'append',
      'valueOf',
      'format',
      'currentTimeMillis',
      'nanoTime',
      'requireNonNull',
      // What a handler reads of the exception it caught.
      'getMessage',
      'getLocalizedMessage',
      'getCause',
      'printStackTrace',
      // A connected socket's streams; PrintWriter and PrintStream swallow their errors (checkError).
      'getInputStream',
      'getOutputStream',
      'getChannel',
      'socket',
      'print',
      'println',
      'printf',
      'checkError',
      // Options of a socket just made: they fail only on a closed socket.
      'setTcpNoDelay',
      'setSoTimeout',
      'setKeepAlive',
      'setReuseAddress',
      'setSendBufferSize',
      'setReceiveBufferSize',
      'setSoLinger',
      'configureBlocking',
      'setOption',
    ]),
    types: new Set([
      ...QUIET_DECORATORS,
      'String',
      'StringBuilder',
      'ArrayList',
      'HashMap',
      'byte',
      'ByteArrayOutputStream',
      'ByteArrayInputStream',
      'InetSocketAddress',
    ]),
  } satisfies QuietCalls,
};
