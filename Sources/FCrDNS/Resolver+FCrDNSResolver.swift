public import DNSResolver
public import DNSWire
import DNSTransport

/// The stub resolver answers the evaluator's lookups: NXDOMAIN and NODATA
/// are completed lookups, every ``ResolverError`` a transient failure, and
/// every try of every server goes into the trace.
extension Resolver: FCrDNSResolver {
    /// The resolver ends every query by the deadline it is given, with
    /// ``ResolverError/deadlineExceeded(question:attempts:)``, and stops at
    /// task cancellation.
    public var enforcesDeadlines: Bool { true }

    /// PTR records of a reverse name, following an RFC 2317 CNAME.
    public func lookupPTR(_ reverseName: Name, deadline: ContinuousClock.Instant) async -> LookupResult<[Name]> {
        await lookup(reverseName, type: .ptr, deadline: deadline) { $0.names }
    }

    /// A or AAAA records of a name, following CNAMEs.
    public func lookupAddresses(_ name: Name, type: RecordType, deadline: ContinuousClock.Instant) async -> LookupResult<[IPAddress]> {
        await lookup(name, type: type, deadline: deadline) { $0.addresses }
    }

    /// ``lookupPTR(_:deadline:)`` for the evaluator's direct call: not
    /// generic, no protocol witness, the deadline already converted.
    func pointerLookup(_ reverseName: Name, deadline: Deadline) async -> LookupResult<[Name]> {
        let question = Question(name: reverseName, type: .ptr)
        let flight = await ask(question, deadline: deadline)
        return Self.lookupResult(flight, question: question) { $0.names }
    }

    /// ``lookupAddresses(_:type:deadline:)`` for the evaluator's direct
    /// call, finished as the evaluator keeps a forward lookup (here, so that
    /// the caller's frame holds no result of its own).
    func forwardLookup(_ name: Name, _ type: RecordType,
                       context: FCrDNSEvaluator.Context) async -> LookupResult<[IPAddress]> {
        let flight = await ask(Question(name: name, type: type), deadline: context.stubDeadline)
        return Self.finishedForward(flight, name, type, context: context)
    }

    /// The rest of ``forwardLookup(_:_:context:)``, out of line: its
    /// temporaries stay off the frame of every lookup in flight.
    @inline(never)
    static func finishedForward(_ flight: QueryFlight, _ name: Name, _ type: RecordType,
                                context: FCrDNSEvaluator.Context) -> LookupResult<[IPAddress]> {
        let result = lookupResult(flight, question: Question(name: name, type: type)) { $0.addresses }
        return FCrDNSEvaluator.finishForward(name, type, result, context: context)
    }

    private func lookup<Value: Sendable>(_ name: Name, type: RecordType, deadline: ContinuousClock.Instant,
                                         values: (DNSAnswer) -> [Value]) async -> LookupResult<[Value]> {
        // Only the question is awaited here; the answer or error is read out
        // of line, so it is not in the frame of every lookup in flight.
        let question = Question(name: name, type: type)
        let flight = await ask(question, deadline: Deadline(deadline))
        return Self.lookupResult(flight, question: question, values: values)
    }

    /// The evaluator's view of a query's answer or error.
    @inline(never)
    static func lookupResult<Value: Sendable>(_ flight: QueryFlight, question: Question,
                                              values: (DNSAnswer) -> [Value]) -> LookupResult<[Value]> {
        let name = question.name
        let type = question.type
        let start = flight.started
        switch Result(catching: { () throws(ResolverError) in try answer(flight, as: question) }) {
        case .success(let answer):
            let found = values(answer)
            let outcome: LookupOutcome<[Value]> = answer.isNXDomain ? .nxdomain : found.isEmpty ? .nodata : .found(found)
            let chain = answer.cnameChain.isEmpty ? [] : [name] + answer.cnameChain.compactMap { record -> Name? in
                if case .cname(let target) = record.data { return target }
                return nil
            }
            var trace = Self.trace(name, type, answer.attempts, finalAnswerCount: answer.cnameChain.count + answer.records.count)
            if answer.fromCache {
                trace.append(QueryTrace(name: name, type: type, server: "cache", outcome: .response(answer.rcode,
                    answerCount: answer.cnameChain.count + answer.records.count), start: start, duration: .now - start))
            }
            return LookupResult(outcome, cnameChain: chain, trace: trace)
        case .failure(let error):
            let failure: TransientFailure
            switch error {
            case .allServersFailed(_, let attempts): failure = Self.failure(from: attempts)
            case .deadlineExceeded: failure = .deadline
            case .cancelled: failure = .cancelled
            case .cnameChainTooLong(_, let chain): failure = .malformed("CNAME chain too long or looping after \(chain.count) hops")
            case .noServers: failure = .network("no servers configured")
            }
            return LookupResult(.transient(failure), trace: Self.trace(name, type, error.attempts, finalAnswerCount: 0))
        }
    }

    /// The most telling reason among failed tries: an error RCODE from a
    /// server beats a malformed response, which beats a network error, which
    /// beats a timeout.
    static func failure(from attempts: [ServerAttempt]) -> TransientFailure {
        var malformed: String?
        var network: String?
        for attempt in attempts {
            switch attempt.outcome {
            case .response(let rcode): return .errorResponse(rcode)
            case .malformed(let error): malformed = malformed ?? "\(error)"
            case .mismatched: malformed = malformed ?? "response did not match the query"
            case .transportError(let error): network = network ?? "\(error)"
            case .truncated, .timeout: break
            }
        }
        if let malformed { return .malformed(malformed) }
        if let network { return .network(network) }
        return .timeout
    }

    static func trace(_ name: Name, _ type: RecordType, _ attempts: [ServerAttempt], finalAnswerCount: Int) -> [QueryTrace] {
        attempts.enumerated().map { index, attempt in
            let outcome: QueryTrace.Outcome
            switch attempt.outcome {
            case .response(let rcode):
                outcome = .response(rcode, answerCount: index == attempts.count - 1 ? finalAnswerCount : 0)
            case .truncated: outcome = .truncated
            case .timeout: outcome = .timeout
            case .transportError(.cancelled): outcome = .abandoned
            case .transportError(let error): outcome = .error("\(error)")
            case .malformed(let error): outcome = .error("malformed: \(error)")
            case .mismatched: outcome = .error("response did not match the query")
            }
            return QueryTrace(name: name, type: type, server: attempt.server.description,
                              transport: attempt.transport == .udp ? .udp : .tcp, outcome: outcome,
                              start: attempt.start, duration: attempt.duration)
        }
    }
}
