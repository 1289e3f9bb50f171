#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import DNSTransport
import FCrDNS
import Synchronization

/// `fcrdns policy`: a Postfix SMTPD policy delegation service.
enum PolicyCommand {
    static let help = """
        usage: fcrdns policy --listen ADDR:PORT|unix:PATH [--mode enforce|defer-only|header-only]
                             [--server ADDR[:PORT]]... [options]

        A Postfix SMTPD access policy service (SMTPD_POLICY_README). Postfix sends
        name=value requests; at the configured protocol state (default RCPT) the
        service evaluates client_address with helo_name (forward-confirmed reverse
        DNS, RFC 8601 iprev) and answers:

          verdict     enforce                 defer-only              header-only
          pass        PREPEND header          PREPEND header          PREPEND header
          fail        REJECT 5.7.25 …         DUNNO                   PREPEND header
          permerror   REJECT 5.7.25 …         DUNNO                   PREPEND header
          temperror   DEFER_IF_PERMIT 4.7.25  DEFER_IF_PERMIT 4.7.25  PREPEND header

        The header is 'Authentication-Results: ID; iprev=…', once per message (the
        'instance' attribute). Requests without a usable client_address, or at
        another protocol state, get DUNNO. Verdicts are cached per client address
        and HELO name for --cache-ttl seconds; evaluations in flight are shared.

        One log line per decision (and per connection opened or closed) goes to
        standard error. SIGTERM or SIGINT: stop accepting, answer requests whose
        evaluation is under way, close the rest, exit 0.

        Postfix main.cf:
          smtpd_recipient_restrictions = reject_unauth_destination,
              check_policy_service inet:127.0.0.1:10040, permit_mynetworks, ...

        options:
          --listen ADDR:PORT    where to listen: 127.0.0.1:10040, [::1]:10040, or
                                unix:/path/to/socket (port 0: any free port, logged)
          --mode MODE           enforce (default), defer-only or header-only
          --protocol-state S    the state to evaluate at (default RCPT; CONNECT, EHLO,
                                HELO, MAIL, RCPT, DATA, END-OF-MESSAGE, VRFY, ETRN)
          --authserv-id ID      the header's authserv-id (default: this host's name)
          --reject-text TEXT    text after REJECT 5.7.25 ({ip} is the client address)
          --defer-text TEXT     text after DEFER_IF_PERMIT 4.7.25 ({ip} as above)
          --cache-ttl S         seconds a verdict is reused (default 60; 0: only
                                evaluations in flight are shared)
          --idle-timeout S      close a connection silent this long (default 300)
          --request-timeout S   close a connection whose request takes longer to
                                arrive than this (default 30)
          --max-connections N   connections open at once (default 1000)
          --socket-mode MODE    octal permissions of a unix: socket (default 666)
          --timeout MS          deadline of one evaluation (default 10000)
          --max-names N, --strict, --both: as for check
        \(EvaluationOptions.resolverHelp)
          -h, --help            show this help
        """

    static let valued: Set<String> = [
        "--listen", "--mode", "--protocol-state", "--reject-text", "--defer-text", "--cache-ttl", "--idle-timeout",
        "--request-timeout", "--max-connections", "--socket-mode",
    ]
    static let states: Set<String> = ["CONNECT", "EHLO", "HELO", "MAIL", "RCPT", "DATA", "END-OF-MESSAGE", "VRFY", "ETRN"]

    static func run(_ arguments: [String]) async throws(Arguments.UsageError) -> Int32 {
        let args = try Arguments(arguments, valued: EvaluationOptions.valued.union(valued),
                                 flags: EvaluationOptions.flags.union(["--help", "-h"]))
        if args.flags.contains("--help") || args.flags.contains("-h") {
            Output.line(help)
            return 0
        }
        guard args.positionals.isEmpty else {
            throw Arguments.UsageError(message: "policy takes no positional arguments (got '\(args.positionals[0])')")
        }
        guard let listenText = args.value("--listen") else {
            throw Arguments.UsageError(message: "policy needs --listen ADDR:PORT or --listen unix:PATH")
        }
        guard let listenAddress = ListenAddress(parsing: listenText) else {
            throw Arguments.UsageError(
                message: "bad --listen '\(listenText)' (e.g. 127.0.0.1:10040, [::1]:10040, unix:/run/fcrdns.sock)")
        }

        var configuration = PolicyConfiguration()
        if let mode = args.value("--mode") {
            guard let parsed = PolicyMode(rawValue: mode) else {
                throw Arguments.UsageError(message: "--mode takes enforce, defer-only or header-only, not '\(mode)'")
            }
            configuration.mode = parsed
        }
        if let state = args.value("--protocol-state") {
            guard states.contains(state.uppercased()) else {
                throw Arguments.UsageError(message: "--protocol-state takes one of \(states.sorted().joined(separator: ", "))")
            }
            configuration.protocolState = state.uppercased()
        }
        let authservID = args.value("--authserv-id") ?? hostName()
        guard isToken(authservID) else {
            throw Arguments.UsageError(message: "--authserv-id must be a host name or other token, not '\(authservID)'")
        }
        configuration.authservID = authservID
        configuration.idleTimeout = .seconds(try args.integer("--idle-timeout", default: 300, in: 1...86_400))
        configuration.requestTimeout = .seconds(try args.integer("--request-timeout", default: 30, in: 1...86_400))
        configuration.maximumConnections = try args.integer("--max-connections", default: 1000, in: 1...1_000_000)
        let cacheTTL = try args.integer("--cache-ttl", default: 60, in: 0...86_400)
        var socketMode: UInt32? = nil
        if case .unix = listenAddress {
            let text = args.value("--socket-mode") ?? "666"
            guard let mode = UInt32(text, radix: 8), mode <= 0o777 else {
                throw Arguments.UsageError(message: "--socket-mode takes octal permissions such as 660, not '\(text)'")
            }
            socketMode = mode
        }

        var evaluator = try EvaluationOptions.evaluator(args)
        evaluator.options.authservID = authservID
        if let text = args.value("--reject-text") { evaluator.options.permanentReplyText = text }
        if let text = args.value("--defer-text") { evaluator.options.temporaryReplyText = text }

        // Signals first: a SIGTERM that arrives while starting up must not be lost.
        let shutdown = ShutdownSignal()
        SignalWatcher.start([SIGTERM, SIGINT]) { number in
            PolicyLog.write("signal", ["signal": number == SIGINT ? "INT" : "TERM"])
            shutdown.trigger()
        }

        let listener: StreamListener
        do throws(TransportError) {
            listener = try StreamListener(listeningOn: listenAddress, unixSocketMode: socketMode)
        } catch {
            Output.error("fcrdns policy: cannot listen on \(listenAddress): \(error)")
            return 1
        }
        let server = PolicyServer(listener: listener, configuration: configuration,
                                  cache: PolicyVerdictCache(evaluator: evaluator, lifetime: .seconds(cacheTTL)))
        let serverTask = Task.detached { await server.run() }
        shutdown.attach(serverTask)
        PolicyLog.write("listening", [
            "listen": listener.address.description, "mode": configuration.mode.rawValue,
            "state": configuration.protocolState, "authserv_id": authservID,
        ])
        await serverTask.value
        PolicyLog.write("stopped", [:])
        return 0
    }

    /// A shutdown request that may come before the server task exists.
    final class ShutdownSignal: Sendable {
        private let state = Mutex<(requested: Bool, task: Task<Void, Never>?)>((false, nil))

        /// Cancels the server task, now or as soon as it is attached.
        func trigger() {
            let task = state.withLock { state in
                state.requested = true
                return state.task
            }
            task?.cancel()
        }

        func attach(_ task: Task<Void, Never>) {
            let requested = state.withLock { state in
                state.task = task
                return state.requested
            }
            if requested { task.cancel() }
        }
    }

    /// This machine's host name, for the default authserv-id.
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return isToken(name) ? name : "localhost"
    }

    /// An RFC 2045 token made of host-name characters (what an authserv-id is in practice).
    static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 255 && text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"):
                true
            default:
                false
            }
        }
    }
}
