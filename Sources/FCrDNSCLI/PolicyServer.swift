import DNSTransport
import DNSWire
import FCrDNS
import Synchronization

/// How the policy service behaves; set from the command line.
struct PolicyConfiguration: Sendable {
    /// What verdicts turn into.
    var mode: PolicyMode = .enforce
    /// The SMTP state whose requests are evaluated (upper case); others get DUNNO.
    var protocolState = "RCPT"
    /// The authserv-id of the Authentication-Results header.
    var authservID = "localhost"
    /// How long a connection may be silent, between requests or inside one.
    var idleTimeout: Duration = .seconds(300)
    /// How long one request may take to arrive, from its first byte to its empty line.
    var requestTimeout: Duration = .seconds(30)
    /// How long writing one reply may wait for the client to read.
    var writeTimeout: Duration = .seconds(30)
    /// Connections open at once; more are closed at once, with a log line.
    var maximumConnections = 1000
    /// Line length and attribute count limits.
    var limits = PolicyRequestReader.Limits()
}

/// The Postfix SMTPD policy service: accepts connections on the event loop
/// (one task per connection, no thread per connection), reads requests,
/// evaluates the client address, answers, and logs one line per decision.
///
/// Cancelling the task that runs ``run()`` stops it: the listener closes at
/// once, connections waiting for a request close, a request whose
/// evaluation is under way is still answered (evaluations end by their own
/// deadline), then ``run()`` returns.
final class PolicyServer: Sendable {
    let listener: StreamListener
    let configuration: PolicyConfiguration
    let cache: PolicyVerdictCache
    private let openConnections = Atomic<Int>(0)
    private let nextConnectionID = Atomic<Int>(1)

    init(listener: StreamListener, configuration: PolicyConfiguration, cache: PolicyVerdictCache) {
        self.listener = listener
        self.configuration = configuration
        self.cache = cache
    }

    /// Accepts and serves connections until the task is cancelled.
    func run() async {
        await withDiscardingTaskGroup { group in
            acceptLoop: while true {
                let connection: StreamConnection
                do throws(TransportError) {
                    connection = try await listener.accept()
                } catch {
                    switch error {
                    case .cancelled, .eventLoopShutDown:
                        break acceptLoop
                    default:
                        // EMFILE and the like: say so, let connections finish, try again.
                        PolicyLog.write("accept-failed", ["error": error.description])
                        do {
                            try await Task.sleep(for: .milliseconds(200))
                        } catch {
                            break acceptLoop
                        }
                        continue acceptLoop
                    }
                }
                let id = nextConnectionID.wrappingAdd(1, ordering: .relaxed).oldValue
                let peer = connection.peer?.description ?? "unix"
                let open = openConnections.wrappingAdd(1, ordering: .relaxed).newValue
                if open > configuration.maximumConnections {
                    openConnections.wrappingSubtract(1, ordering: .relaxed)
                    PolicyLog.write("refused", ["conn": "\(id)", "peer": peer,
                                                "reason": "\(configuration.maximumConnections) connections open"])
                    connection.close()
                    continue
                }
                PolicyLog.write("connect", ["conn": "\(id)", "peer": peer])
                group.addTask {
                    await self.serve(connection, id: id, peer: peer)
                    self.openConnections.wrappingSubtract(1, ordering: .relaxed)
                }
            }
            listener.close()
            PolicyLog.write("stopping", ["listen": listener.address.description,
                                         "open_connections": "\(openConnections.load(ordering: .relaxed))"])
        }
    }

    // MARK: - One connection

    private func serve(_ connection: StreamConnection, id: Int, peer: String) async {
        defer { connection.close() }
        var reader = PolicyRequestReader(limits: configuration.limits)
        var requests = 0
        /// The `instance` (message) whose Authentication-Results header was already prepended.
        var headerInstance: String? = nil
        /// When the first byte of the request being read arrived.
        var requestStarted: ContinuousClock.Instant? = nil

        func closing(_ reason: String) {
            PolicyLog.write("close", ["conn": "\(id)", "peer": peer, "requests": "\(requests)", "reason": reason])
        }

        while true {
            // Answer every complete request that has arrived.
            while true {
                let next: PolicyRequest?
                do throws(PolicyProtocolError) {
                    next = try reader.nextRequest()
                } catch {
                    closing("protocol error: \(error)")
                    return
                }
                guard let request = next else { break }
                requests += 1
                let started = requestStarted ?? .now
                requestStarted = nil
                let action = await answer(request, connectionID: id, started: started, headerInstance: &headerInstance)
                do throws(TransportError) {
                    try await connection.send(PolicyReply.encode(action: action.line),
                                              deadline: .now.advanced(by: configuration.writeTimeout))
                } catch {
                    closing("reply not sent: \(error)")
                    return
                }
            }
            if reader.isMidRequest, requestStarted == nil { requestStarted = .now }

            var deadline = ContinuousClock.now.advanced(by: configuration.idleTimeout)
            if let requestStarted { deadline = min(deadline, requestStarted.advanced(by: configuration.requestTimeout)) }
            let bytes: [UInt8]
            do throws(TransportError) {
                bytes = try await connection.receive(maximumCount: 4096, deadline: deadline)
            } catch {
                switch error {
                case .timeout:
                    closing(reader.isMidRequest ? "client stalled inside a request" : "idle timeout")
                case .cancelled, .eventLoopShutDown:
                    closing(reader.isMidRequest ? "shutting down (request incomplete)" : "shutting down")
                default:
                    closing("\(error)")
                }
                return
            }
            if bytes.isEmpty {
                closing(reader.isMidRequest ? "client disconnected inside a request" : "client closed")
                return
            }
            if requestStarted == nil { requestStarted = .now }
            reader.append(bytes)
        }
    }

    /// Decides one request and logs the decision.
    private func answer(_ request: PolicyRequest, connectionID: Int, started: ContinuousClock.Instant,
                        headerInstance: inout String?) async -> PolicyAction {
        let clientText = request.nonEmpty("client_address")
        let helo = request.nonEmpty("helo_name")
        let state = request.nonEmpty("protocol_state")

        func log(_ action: PolicyAction, verdict: String, source: String? = nil, reason: String) {
            PolicyLog.write("decision", [
                "conn": "\(connectionID)", "client": clientText ?? "-", "helo": helo ?? "-", "state": state ?? "-",
                "verdict": verdict, "action": action.word, "source": source,
                "time": PolicyLog.milliseconds(ContinuousClock.now - started),
                "queue_id": request.nonEmpty("queue_id"), "reason": reason,
            ])
        }

        if let type = request["request"], type != "smtpd_access_policy" {
            log(.dunno, verdict: "none", reason: "request type \(type) is not smtpd_access_policy")
            return .dunno
        }
        if let state, state.uppercased() != configuration.protocolState {
            log(.dunno, verdict: "none", reason: "evaluated at \(configuration.protocolState) only")
            return .dunno
        }
        guard let clientText else {
            log(.dunno, verdict: "none", reason: "no client_address")
            return .dunno
        }
        let ip: IPAddress
        do throws(IPAddressParseError) {
            ip = try IPAddress(parsing: clientText)
        } catch {
            log(.dunno, verdict: "none", reason: "client_address is not an IP address: \(error)")
            return .dunno
        }

        let (result, source) = await cache.result(ip: ip, helo: helo)
        let instance = request.nonEmpty("instance")
        let action = PolicyAction.decide(result, mode: configuration.mode, authservID: configuration.authservID,
                                         headerAlreadyAdded: instance != nil && instance == headerInstance)
        if case .prependAuthenticationResults = action, let instance { headerInstance = instance }
        var reason = result.reason
        if action == .dunno, result.result == .pass || configuration.mode == .headerOnly {
            reason += "; header already added for this message"
        }
        log(action, verdict: result.result.rawValue, source: source.rawValue, reason: reason)
        return action
    }
}
