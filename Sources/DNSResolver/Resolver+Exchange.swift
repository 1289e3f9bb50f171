import DNSTransport
import DNSWire
import Synchronization

extension Resolver {
    /// One try of one server: UDP (unless TCP-only), then TCP if the UDP
    /// answer was truncated. Returns the validated response, or nil after
    /// recording why there is none.
    func exchange(_ question: Question, with server: SocketAddress, ednsSize: UInt16?,
                  deadline: ContinuousClock.Instant, attempts: inout [ServerAttempt]) async -> Message? {
        let id = SecureRandom.uint16()
        let name = configuration.randomizeCase ? Resolver.randomizeCase(question.name) : question.name
        let asked = Question(name: name, type: question.type, dnsClass: question.dnsClass)
        let query = Message.query(id: id, name: name, type: question.type, dnsClass: question.dnsClass,
                                  ednsPayloadSize: ednsSize).encoded()
        let exactCase = configuration.randomizeCase

        if !configuration.tcpOnly {
            let start = ContinuousClock.now
            let watch = DatagramWatch()
            do throws(TransportError) {
                // The filter keeps the accepted datagram, already decoded.
                _ = try await limiter.withPermit { () async throws(TransportError) -> [UInt8] in
                    try await transport.exchangeUDP(query, with: server, deadline: deadline) { datagram, source in
                        watch.judge(datagram, from: source, server: server, id: id, question: asked, exactCase: exactCase)
                    }
                }
            } catch {
                let outcome: ServerAttempt.Outcome
                switch error {
                case .timeout: outcome = watch.firstMalformed.map { .malformed($0) } ?? .timeout
                default: outcome = .transportError(error)
                }
                attempts.append(ServerAttempt(server: server, transport: .udp, outcome: outcome,
                                              start: start, duration: .now - start, droppedDatagrams: watch.dropped))
                return nil
            }
            let dropped = watch.dropped
            guard let response = watch.accepted else {
                // Cannot happen: the transport returns only what the filter accepted.
                attempts.append(ServerAttempt(server: server, transport: .udp, outcome: .mismatched, start: start, duration: .now - start,
                                              droppedDatagrams: dropped))
                return nil
            }
            if !response.header.isTruncated {
                attempts.append(ServerAttempt(server: server, transport: .udp, outcome: .response(response.rcode),
                                              start: start, duration: .now - start, droppedDatagrams: dropped))
                return response
            }
            // RFC 7766 §5: a truncated answer is asked again over TCP; it is
            // never returned as if it were complete.
            attempts.append(ServerAttempt(server: server, transport: .udp, outcome: .truncated, start: start, duration: .now - start,
                                          droppedDatagrams: dropped))
        }

        let start = ContinuousClock.now
        let bytes: [UInt8]
        do throws(TransportError) {
            bytes = try await limiter.withPermit { () async throws(TransportError) -> [UInt8] in
                try await transport.exchangeTCP(query, with: server, deadline: deadline)
            }
        } catch {
            attempts.append(ServerAttempt(server: server, transport: .tcp,
                                          outcome: error == .timeout ? .timeout : .transportError(error),
                                          start: start, duration: .now - start))
            return nil
        }
        let response: Message
        do throws(DNSDecodeError) {
            response = try Message(decoding: bytes)
        } catch {
            attempts.append(ServerAttempt(server: server, transport: .tcp, outcome: .malformed(error), start: start, duration: .now - start))
            return nil
        }
        guard Resolver.matches(response, id: id, question: asked, exactCase: exactCase), !response.header.isTruncated else {
            attempts.append(ServerAttempt(server: server, transport: .tcp, outcome: .mismatched, start: start, duration: .now - start))
            return nil
        }
        attempts.append(ServerAttempt(server: server, transport: .tcp, outcome: .response(response.rcode), start: start, duration: .now - start))
        return response
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

/// The UDP response filter of one try: counts what it drops and remembers
/// the first undecodable datagram from the server.
final class DatagramWatch: Sendable {
    private let state = Mutex<(dropped: Int, malformed: DNSDecodeError?, accepted: Message?)>((0, nil, nil))

    var dropped: Int { state.withLock { $0.dropped } }
    var firstMalformed: DNSDecodeError? { state.withLock { $0.malformed } }
    /// The datagram accepted, already decoded (so it is decoded once).
    var accepted: Message? { state.withLock { $0.accepted } }

    func judge(_ datagram: [UInt8], from source: SocketAddress, server: SocketAddress, id: UInt16,
               question: Question, exactCase: Bool) -> Bool {
        // Only the server's address and port may answer.
        guard source == server else {
            state.withLock { $0.dropped += 1 }
            return false
        }
        let decoded = Result { () throws(DNSDecodeError) in try Message(decoding: datagram) }
        switch decoded {
        case .success(let message):
            if Resolver.matches(message, id: id, question: question, exactCase: exactCase) {
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
