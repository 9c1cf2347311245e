/**
 * Go's socket APIs as the leak rules (src/analysis/languages/go.ts) and the engine's front end
 * (src/analysis/cfg/go.ts) see them: a new API is one entry here.
 */
export const GO_APIS = {
  /** `net.Dial(…)`, `tls.Listen(…)`: package functions that make a socket. */
  packageAcquirers: {
    net: new Set([
      'Dial',
      'DialTimeout',
      'DialTCP',
      'DialUDP',
      'DialUnix',
      'DialIP',
      'Listen',
      'ListenTCP',
      'ListenUnix',
      'ListenPacket',
      'ListenUDP',
      'FileConn',
      'FileListener',
    ]),
    tls: new Set(['Dial', 'DialWithDialer', 'Listen']),
    // A test server listens on loopback from the moment it is made (the unstarted one too) until its Close.
    httptest: new Set(['NewServer', 'NewTLSServer', 'NewUnstartedServer']),
  } as Readonly<Record<string, ReadonlySet<string>>>,
  httpFunctions: new Set(['Get', 'Post', 'PostForm', 'Head']),
  /** Listeners whose Accept gives a kernel socket: by declared type, or by the call that made them. */
  listenerTypes: new Set(['net.Listener', 'net.TCPListener', 'net.UnixListener']),
  /** Besides any `….Listen*(…)` (`net.Listen`, `tls.Listen`, a `net.ListenConfig`'s `lc.Listen`). */
  listenerMakers: new Set(['net.FileListener', 'tls.NewListener']),
  /** What a file may declare an HTTP client as (its type, or the value it is given). */
  httpClientTypes: new Set(['http.Client', 'http.DefaultClient']),
  /** An http.Client's request methods and their argument counts (a cache's `Get(ctx, key)` is not one). */
  clientMethods: { Do: 1, Get: 1, Head: 1, PostForm: 2, Post: 3 } as Readonly<Record<string, number>>,
  dialerMethods: new Set(['Dial', 'DialContext', 'DialTimeout', 'DialTLS', 'DialTLSContext']),
  /** `Quit` ends an SMTP (and FTP) client session by closing its connection. */
  releases: new Set(['Close', 'Quit']),
  acceptMethods: new Set(['Accept', 'AcceptTCP', 'AcceptUnix']),
  /** Fields that hold the connection (`resp.Body`, a test server's `srv.Listener`): passed, stored or returned, they take it along. */
  owningFields: new Set(['Body', 'Listener']),
  /**
   * Calls that wrap a connection in a value that owns it (its Close closes the connection) and
   * return only that value: the wrapper is another name for the connection.
   */
  owningWrappers: new Set(['tls.Client', 'tls.Server', 'rpc.NewClient', 'jsonrpc.NewClient']),
  /** Calls that read or wrap a connection without taking ownership of it. */
  nonOwning: new Set([
    'io.Copy',
    'io.CopyN',
    'io.CopyBuffer',
    'io.ReadAll',
    'ioutil.ReadAll',
    'io.ReadFull',
    'io.ReadAtLeast',
    'io.WriteString',
    'bufio.NewReader',
    'bufio.NewReaderSize',
    'bufio.NewWriter',
    'bufio.NewWriterSize',
    'bufio.NewScanner',
    'bufio.NewReadWriter',
    'json.NewDecoder',
    'json.NewEncoder',
    'gob.NewDecoder',
    'gob.NewEncoder',
    'xml.NewDecoder',
    'xml.NewEncoder',
    'binary.Read',
    'binary.Write',
    'textproto.NewReader',
    'textproto.NewConn',
    'http.ReadRequest',
    'http.ReadResponse',
    'io.LimitReader',
    'io.TeeReader',
    'io.MultiReader',
    'io.MultiWriter',
  ]),
  nonOwningPackages: new Set(['fmt', 'log', 'slog', 'errors', 'strings', 'bytes', 'strconv']),
  neutralBuiltins: new Set(['len', 'cap', 'delete', 'print', 'println', 'panic']),
  /** Calls that end the process (or the test): nothing leaks past them. */
  processExits: /^(?:os\.Exit|log\.Fatal\w*|log\.Panic\w*|\w+\.(?:Fatal|Fatalf|FailNow|SkipNow|Skip|Skipf))$/,
};
