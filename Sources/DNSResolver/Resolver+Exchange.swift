import DNSTransport
import DNSWire
import Synchronization

extension Resolver {
    /// One try of the resolution's current server: UDP (unless TCP-only),
    /// then TCP if the UDP answer was truncated. Leaves the validated
    /// response in ``Resolution/response``, or nil after recording why there
    /// is none (so no message is ever held in an async frame).
    @inline(never)
    func exchange(_ resolution: Resolution) async {
        let watch = startTry(of: resolution)
        if !configuration.tcpOnly {
            // A permit, then the exchange in this frame (not in a closure
            // passed to the limiter): one async frame fewer while it waits.
            guard await acquirePermit() else {
                Resolver.recordUDPFailure(resolution, .cancelled, watch: watch)
                return
            }
            defer { limiter.release() }
            do throws(TransportError) {
                // The filter keeps the accepted datagram, already decoded.
                if let eventLoop = socketLoop {
                    // On the calling task's loop when it runs on one (as SocketTransport does).
                    _ = try await (EventLoop.current ?? eventLoop).udpExchange(watch.query.bytes, to: watch.server,
                                                        deadline: resolution.tryDeadline, accept: watch.verdict)
                } else {
                    try await exchangeUDP(watch, deadline: resolution.tryDeadline)
                }
            } catch {
                Resolver.recordUDPFailure(resolution, error, watch: watch)
                return
            }
            guard Resolver.recordUDPResponse(resolution, watch: watch) else { return }
        }
        await exchangeTCP(watch.query, resolution)
    }

    /// The query and the datagram filter of the next try.
    @inline(never)
    private func startTry(of resolution: Resolution) -> DatagramWatch {
        resolution.response = nil
        let query = OutgoingQuery(resolution.question, ednsSize: resolution.ednsSize,
                                  randomizeCase: configuration.randomizeCase)
        return DatagramWatch(server: resolution.server, query: query)
    }

    /// A UDP try through a transport other than ``SocketTransport``.
    @inline(never)
    private func exchangeUDP(_ watch: DatagramWatch, deadline: Deadline) async throws(TransportError) {
        _ = try await transport.exchangeUDP(watch.query.bytes, with: watch.server, deadline: deadline.instant,
                                            accept: watch.judge)
    }

    /// The TCP half of ``exchange(_:)``.
    @inline(never)
    private func exchangeTCP(_ query: OutgoingQuery, _ resolution: Resolution) async {
        let start = ContinuousClock.now
        let bytes: [UInt8]
        do throws(TransportError) {
            guard await acquirePermit() else { throw .cancelled }
            defer { limiter.release() }
            bytes = try await transport.exchangeTCP(query.bytes, with: resolution.server,
                                                    deadline: resolution.tryDeadline.instant)
        } catch {
            Resolver.recordTCPFailure(resolution, error, since: start)
            return
        }
        Resolver.acceptTCP(bytes, query: query, resolution: resolution, since: start)
    }

    /// Records a TCP try that ended without a response.
    @inline(never)
    static func recordTCPFailure(_ resolution: Resolution, _ error: TransportError, since start: ContinuousClock.Instant) {
        record(&resolution.attempts, resolution.server, .tcp, error == .timeout ? .timeout : .transportError(error),
               since: start)
    }

    /// Waits for one of the ``ResolverConfiguration/maxInFlight`` permits;
    /// balance a true result with `limiter.release()`. False when the task
    /// was cancelled first.
    private func acquirePermit() async -> Bool {
        do {
            try await limiter.acquire()
            return true
        } catch {
            return false
        }
    }

    /// Records a UDP try that ended without an accepted datagram.
    @inline(never)
    static func recordUDPFailure(_ resolution: Resolution, _ error: TransportError, watch: DatagramWatch) {
        let outcome: ServerAttempt.Outcome
        switch error {
        case .timeout: outcome = watch.firstMalformed.map { .malformed($0) } ?? .timeout
        default: outcome = .transportError(error)
        }
        record(&resolution.attempts, watch.server, .udp, outcome, since: watch.start, dropped: watch.dropped)
    }

    /// Records a UDP try that ended with an accepted datagram: the response
    /// goes to the resolution, unless it was truncated; then the result is
    /// true (ask again over TCP).
    @inline(never)
    static func recordUDPResponse(_ resolution: Resolution, watch: DatagramWatch) -> Bool {
        let dropped = watch.dropped
        let start = watch.start
        guard let response = watch.accepted else {
            // Cannot happen: the transport returns only what the filter accepted.
            record(&resolution.attempts, watch.server, .udp, .mismatched, since: start, dropped: dropped)
            return false
        }
        if !response.header.isTruncated {
            record(&resolution.attempts, watch.server, .udp, .response(response.rcode), since: start, dropped: dropped)
            resolution.response = response
            return false
        }
        // RFC 7766 §5: a truncated answer is asked again over TCP; it is
        // never returned as if it were complete.
        record(&resolution.attempts, watch.server, .udp, .truncated, since: start, dropped: dropped)
        return true
    }

    /// Decodes and checks a TCP response, recording the try; a good one
    /// goes to the resolution.
    @inline(never)
    static func acceptTCP(_ bytes: [UInt8], query: OutgoingQuery, resolution: Resolution,
                          since start: ContinuousClock.Instant) {
        let server = resolution.server
        let response: Message
        do throws(DNSDecodeError) {
            response = try Message(decoding: bytes)
        } catch {
            record(&resolution.attempts, server, .tcp, .malformed(error), since: start)
            return
        }
        guard matches(response, id: query.id, question: query.asked, exactCase: query.exactCase),
              !response.header.isTruncated else {
            record(&resolution.attempts, server, .tcp, .mismatched, since: start)
            return
        }
        record(&resolution.attempts, server, .tcp, .response(response.rcode), since: start)
        resolution.response = response
    }

    /// Appends one try to `attempts` (out of line: each call site would
    /// otherwise keep its own temporary attempt in the async caller's frame).
    @inline(never)
    static func record(_ attempts: inout [ServerAttempt], _ server: SocketAddress, _ transport: ServerAttempt.Transport,
                       _ outcome: ServerAttempt.Outcome, since start: ContinuousClock.Instant, dropped: Int = 0) {
        attempts.append(ServerAttempt(server: server, transport: transport, outcome: outcome, start: start,
                                      duration: .now - start, droppedDatagrams: dropped))
    }

    /// Whether a response answers this query: QR set, same ID, and the same
    /// single question (name compared ASCII-case-insensitively, or exactly
    /// when the query's case was randomised). A response with no question is
    /// accepted only as an error report (FORMERR, SERVFAIL, NOTIMP, REFUSED),
    /// which some servers send without echoing it.
    static func matches(_ response: Message, id: UInt16, question: Question, exactCase: Bool) -> Bool {
        guard response.header.isResponse, response.header.id == id, response.header.opcode == .query else { return false }
        if response.questions.isEmpty {
            return [.formErr, .servFail, .notImp, .refused].contains(response.rcode)
        }
        guard response.questions.count == 1 else { return false }
        let echoed = response.questions[0]
        guard echoed.type == question.type, echoed.dnsClass == question.dnsClass else { return false }
        return exactCase ? echoed.name.isIdentical(to: question.name) : echoed.name == question.name
    }

    /// The name with the case of each ASCII letter chosen at random.
    static func randomizeCase(_ name: Name) -> Name {
        var wire = name.wireBytes
        var bits: UInt64 = 0
        var used = 64
        var position = 0
        while wire[position] != 0 {
            let length = Int(wire[position])
            for i in (position + 1)...(position + length) {
                let byte = wire[i] | 0x20
                guard byte >= UInt8(ascii: "a"), byte <= UInt8(ascii: "z") else { continue }
                if used == 64 {
                    bits = SecureRandom.uint64()
                    used = 0
                }
                wire[i] = bits & 1 == 0 ? byte : byte & ~0x20
                bits >>= 1
                used += 1
            }
            position += 1 + length
        }
        return (try? Name(wire: wire)) ?? name
    }
}

/// One query as sent: its random ID, the question as asked (with DNS 0x20
/// case when on), and its wire form. A class, so the async functions of a
/// try and the datagram filter share one reference to it.
final class OutgoingQuery: Sendable {
    let id: UInt16
    let asked: Question
    let exactCase: Bool
    let bytes: [UInt8]

    init(_ question: Question, ednsSize: UInt16?, randomizeCase: Bool) {
        id = SecureRandom.uint16()
        let name = randomizeCase ? Resolver.randomizeCase(question.name) : question.name
        asked = Question(name: name, type: question.type, dnsClass: question.dnsClass)
        exactCase = randomizeCase
        bytes = Message.query(id: id, name: name, type: question.type, dnsClass: question.dnsClass,
                              ednsPayloadSize: ednsSize).encoded()
    }
}

/// The UDP response filter of one try: counts what it drops and remembers
/// the first undecodable datagram from the server.
final class DatagramWatch: Sendable {
    private let state = Mutex<(dropped: Int, malformed: DNSDecodeError?, accepted: Message?)>((0, nil, nil))
    /// The server asked: the only source whose datagrams may answer.
    let server: SocketAddress
    /// The query asked.
    let query: OutgoingQuery
    /// When the try started.
    let start = ContinuousClock.now

    init(server: SocketAddress, query: OutgoingQuery) {
        self.server = server
        self.query = query
    }

    var dropped: Int { state.withLock { $0.dropped } }
    var firstMalformed: DNSDecodeError? { state.withLock { $0.malformed } }
    /// The datagram accepted, already decoded (so it is decoded once).
    var accepted: Message? { state.withLock { $0.accepted } }

    /// ``judge(_:from:)`` as the event loop's verdict.
    @Sendable func verdict(_ datagram: [UInt8], from source: SocketAddress) -> DatagramVerdict {
        judge(datagram, from: source) ? .accept : .drop
    }

    /// Whether `datagram` from `source` is the answer (remembered, decoded)
    /// or is dropped (counted).
    @Sendable func judge(_ datagram: [UInt8], from source: SocketAddress) -> Bool {
        // Only the server's address and port may answer.
        guard source == server else {
            state.withLock { $0.dropped += 1 }
            return false
        }
        let id = query.id
        let decoded = Result { () throws(DNSDecodeError) in try Message(decoding: datagram) }
        switch decoded {
        case .success(let message):
            if Resolver.matches(message, id: id, question: query.asked, exactCase: query.exactCase) {
                state.withLock { $0.accepted = message }
                return true
            }
            state.withLock { $0.dropped += 1 }
            return false
        case .failure(let error):
            state.withLock {
                $0.dropped += 1
                // Only a datagram that carries our ID is the server's fault.
                if $0.malformed == nil, datagram.count >= 2, UInt16(datagram[0]) << 8 | UInt16(datagram[1]) == id {
                    $0.malformed = error
                }
            }
            return false
        }
    }
}
