import DNSTransport
import DNSWire
import Synchronization

extension Resolver {
    /// One try of one server: UDP (unless TCP-only), then TCP if the UDP
    /// answer was truncated. Returns the validated response, or nil after
    /// recording why there is none.
    @inline(never)
    func exchange(_ question: Question, with server: SocketAddress, ednsSize: UInt16?,
                  deadline: ContinuousClock.Instant, attempts: inout [ServerAttempt]) async -> Message? {
        let query = OutgoingQuery(question, ednsSize: ednsSize, randomizeCase: configuration.randomizeCase)
        if !configuration.tcpOnly {
            switch await exchangeUDP(query, with: server, deadline: deadline, attempts: &attempts) {
            case .response(let response): return response
            case .failed: return nil
            case .truncated: break
            }
        }
        return await exchangeTCP(query, with: server, deadline: deadline, attempts: &attempts)
    }

    /// How a UDP try ended.
    enum UDPOutcome {
        case response(Message)
        case truncated
        case failed
    }

    /// The UDP half of ``exchange(_:with:ednsSize:deadline:attempts:)``.
    @inline(never)
    private func exchangeUDP(_ query: OutgoingQuery, with server: SocketAddress, deadline: ContinuousClock.Instant,
                             attempts: inout [ServerAttempt]) async -> UDPOutcome {
        let start = ContinuousClock.now
        let watch = DatagramWatch(server: server, query: query)
        do throws(TransportError) {
            // The filter keeps the accepted datagram, already decoded.
            _ = try await limiter.withPermit { () async throws(TransportError) -> [UInt8] in
                try await transport.exchangeUDP(query.bytes, with: server, deadline: deadline) { datagram, source in
                    watch.judge(datagram, from: source)
                }
            }
        } catch {
            Resolver.recordUDPFailure(&attempts, error, watch: watch, since: start)
            return .failed
        }
        return Resolver.recordUDPResponse(&attempts, watch: watch, since: start)
    }

    /// The TCP half of ``exchange(_:with:ednsSize:deadline:attempts:)``.
    @inline(never)
    private func exchangeTCP(_ query: OutgoingQuery, with server: SocketAddress, deadline: ContinuousClock.Instant,
                             attempts: inout [ServerAttempt]) async -> Message? {
        let start = ContinuousClock.now
        let bytes: [UInt8]
        do throws(TransportError) {
            bytes = try await limiter.withPermit { () async throws(TransportError) -> [UInt8] in
                try await transport.exchangeTCP(query.bytes, with: server, deadline: deadline)
            }
        } catch {
            Resolver.record(&attempts, server, .tcp, error == .timeout ? .timeout : .transportError(error), since: start)
            return nil
        }
        return Resolver.acceptTCP(bytes, query: query, server: server, attempts: &attempts, since: start)
    }

    /// Records a UDP try that ended without an accepted datagram.
    @inline(never)
    static func recordUDPFailure(_ attempts: inout [ServerAttempt], _ error: TransportError, watch: DatagramWatch,
                                 since start: ContinuousClock.Instant) {
        let outcome: ServerAttempt.Outcome
        switch error {
        case .timeout: outcome = watch.firstMalformed.map { .malformed($0) } ?? .timeout
        default: outcome = .transportError(error)
        }
        record(&attempts, watch.server, .udp, outcome, since: start, dropped: watch.dropped)
    }

    /// Records a UDP try that ended with an accepted datagram, and says
    /// whether it is the answer or was truncated.
    @inline(never)
    static func recordUDPResponse(_ attempts: inout [ServerAttempt], watch: DatagramWatch,
                                  since start: ContinuousClock.Instant) -> UDPOutcome {
        let dropped = watch.dropped
        guard let response = watch.accepted else {
            // Cannot happen: the transport returns only what the filter accepted.
            record(&attempts, watch.server, .udp, .mismatched, since: start, dropped: dropped)
            return .failed
        }
        if !response.header.isTruncated {
            record(&attempts, watch.server, .udp, .response(response.rcode), since: start, dropped: dropped)
            return .response(response)
        }
        // RFC 7766 §5: a truncated answer is asked again over TCP; it is
        // never returned as if it were complete.
        record(&attempts, watch.server, .udp, .truncated, since: start, dropped: dropped)
        return .truncated
    }

    /// Decodes and checks a TCP response, recording the try.
    @inline(never)
    static func acceptTCP(_ bytes: [UInt8], query: OutgoingQuery, server: SocketAddress, attempts: inout [ServerAttempt],
                          since start: ContinuousClock.Instant) -> Message? {
        let response: Message
        do throws(DNSDecodeError) {
            response = try Message(decoding: bytes)
        } catch {
            record(&attempts, server, .tcp, .malformed(error), since: start)
            return nil
        }
        guard matches(response, id: query.id, question: query.asked, exactCase: query.exactCase),
              !response.header.isTruncated else {
            record(&attempts, server, .tcp, .mismatched, since: start)
            return nil
        }
        record(&attempts, server, .tcp, .response(response.rcode), since: start)
        return response
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

    init(server: SocketAddress, query: OutgoingQuery) {
        self.server = server
        self.query = query
    }

    var dropped: Int { state.withLock { $0.dropped } }
    var firstMalformed: DNSDecodeError? { state.withLock { $0.malformed } }
    /// The datagram accepted, already decoded (so it is decoded once).
    var accepted: Message? { state.withLock { $0.accepted } }

    func judge(_ datagram: [UInt8], from source: SocketAddress) -> Bool {
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
