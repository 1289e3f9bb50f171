// The contract between the evaluator and whatever answers its DNS questions.
//
// The evaluator never does I/O itself: it asks an `FCrDNSResolver` for PTR
// names and for addresses, and reads a typed outcome back. The stub resolver
// conforms to this protocol; tests conform a scripted table.

public import DNSWire

/// What the FCrDNS evaluator needs from a resolver: PTR names for a reverse
/// name, and the addresses of a name.
///
/// ## Rules for conforming types
///
/// - **Never throw, never trap on DNS data.** Every way a lookup can end is a
///   ``LookupOutcome``: data, NXDOMAIN, NODATA, or a ``TransientFailure``.
/// - **Names are bytes.** A PTR name is returned as the ``Name`` that came off
///   the wire, byte for byte and case preserved (a label may hold a dot, a
///   space or `0xFF`). ``lookupAddresses(_:type:deadline:)`` receives such a
///   name unchanged and must query exactly those octets: never render it as
///   text and parse it back, never treat it as an IP literal.
/// - **Follow CNAMEs** inside the answer (and by re-querying when the answer
///   stops at a CNAME), including the RFC 2317 classless delegation of a
///   reverse name (owner names may contain `/`). Report the names walked in
///   ``LookupResult/cnameChain``. A loop or an over-long chain is a
///   ``TransientFailure/malformed(_:)``.
/// - **Honour the deadline and cancellation.** Stop before `deadline`
///   (return ``TransientFailure/deadline``) and return promptly when the
///   calling task is cancelled (``TransientFailure/cancelled``). The evaluator
///   also races each lookup against the deadline and cancels the loser, but it
///   must then wait for the cancelled lookup to return.
/// - **Record every query sent** in ``LookupResult/trace``, in the order sent,
///   including retries, TCP fallbacks and each CNAME re-query.
/// - Return ``LookupOutcome/nodata`` rather than `.found([])`; the evaluator
///   reads an empty `.found` as NODATA anyway.
public protocol FCrDNSResolver: Sendable {
    /// Looks up the PTR records of a reverse-mapping name
    /// (`25.2.0.192.in-addr.arpa.`), following CNAMEs (RFC 2317).
    ///
    /// - Returns: the PTR target names in answer order, exactly as received.
    func lookupPTR(_ reverseName: Name, deadline: ContinuousClock.Instant) async -> LookupResult<[Name]>

    /// Looks up the A or AAAA records of `name`, following CNAMEs.
    ///
    /// - Parameters:
    ///   - name: a PTR target exactly as received; query these octets.
    ///   - type: ``RecordType/a`` or ``RecordType/aaaa``.
    /// - Returns: the addresses of the records of `type` at the end of the
    ///   CNAME chain, in answer order.
    func lookupAddresses(_ name: Name, type: RecordType, deadline: ContinuousClock.Instant) async
        -> LookupResult<[IPAddress]>

    /// Whether this resolver itself returns by the deadline it is given (with
    /// a transient `.deadline` outcome). When it does, the evaluator calls it
    /// directly; otherwise it races every lookup against a timer of its own.
    var enforcesDeadlines: Bool { get }
}

extension FCrDNSResolver {
    /// By default a resolver is not trusted to keep deadlines.
    public var enforcesDeadlines: Bool { false }
}

/// The outcome of one lookup, with the CNAMEs it went through and the
/// queries it sent.
public struct LookupResult<Value: Sendable>: Sendable {
    /// How the lookup ended.
    public var outcome: LookupOutcome<Value>
    /// The names walked while following CNAME records: the queried name, then
    /// each CNAME target in order, so the last element is the canonical name
    /// where the answer (or the NXDOMAIN/NODATA) was found. Empty when no
    /// CNAME was followed.
    ///
    /// For `25.2.0.192.in-addr.arpa.` delegated per RFC 2317 this is
    /// `[25.2.0.192.in-addr.arpa., 25.0/26.2.0.192.in-addr.arpa.]`.
    public var cnameChain: [Name]
    /// Every query sent for this lookup, in the order sent.
    public var trace: [QueryTrace]

    /// Creates a lookup result.
    public init(_ outcome: LookupOutcome<Value>, cnameChain: [Name] = [], trace: [QueryTrace] = []) {
        self.outcome = outcome
        self.cnameChain = cnameChain
        self.trace = trace
    }

    /// The name the answer was found at: the last CNAME target, or nil when
    /// no CNAME was followed.
    public var canonicalName: Name? { cnameChain.last }
}

extension LookupResult: Equatable where Value: Equatable {}
extension LookupResult: Hashable where Value: Hashable {}

/// How a lookup ended.
public enum LookupOutcome<Value: Sendable>: Sendable {
    /// Records of the asked type exist (at the end of any CNAME chain).
    case found(Value)
    /// The name does not exist (RCODE 3, NXDOMAIN), possibly at the end of a
    /// CNAME chain. A completed answer.
    case nxdomain
    /// The name exists but has no records of the asked type (NOERROR with an
    /// empty answer). A completed answer.
    case nodata
    /// No usable answer: server failure, refusal, timeout, network error,
    /// malformed response, or the evaluation deadline.
    case transient(TransientFailure)
}

extension LookupOutcome: Equatable where Value: Equatable {}
extension LookupOutcome: Hashable where Value: Hashable {}

extension LookupOutcome {
    /// True for `.nxdomain`, `.nodata` and `.found`: the DNS gave an answer.
    public var isCompleted: Bool {
        if case .transient = self { return false }
        return true
    }

    /// A short word for logs: `found`, `nxdomain`, `nodata`, `transient`.
    public var kind: String {
        switch self {
        case .found: return "found"
        case .nxdomain: return "nxdomain"
        case .nodata: return "nodata"
        case .transient: return "transient"
        }
    }
}

/// Why a lookup produced no usable answer. Each of these makes the lookup
/// incomplete; RFC 8601 §2.7.3 calls the result "temperror".
public enum TransientFailure: Hashable, Sendable {
    /// The server answered with an error RCODE other than NXDOMAIN:
    /// SERVFAIL, REFUSED, NOTIMP, FORMERR, …
    case errorResponse(ResponseCode)
    /// No server answered within the resolver's own retry budget.
    case timeout
    /// The evaluation's shared deadline passed before the lookup completed.
    case deadline
    /// The lookup was cancelled (the calling task was cancelled).
    case cancelled
    /// A socket or transport error, with the resolver's explanation.
    case network(String)
    /// A response that could not be used: undecodable, not matching the
    /// question, truncated over TCP, a CNAME loop or over-long chain, …
    case malformed(String)

    /// `.errorResponse(.servFail)`.
    public static var serverFailure: TransientFailure { .errorResponse(.servFail) }
    /// `.errorResponse(.refused)`.
    public static var refused: TransientFailure { .errorResponse(.refused) }
}

extension TransientFailure: CustomStringConvertible {
    /// `SERVFAIL`, `REFUSED`, `timeout`, `deadline exceeded`, `cancelled`,
    /// `network error: …`, `malformed response: …`.
    public var description: String {
        switch self {
        case .errorResponse(let rcode): return rcode.description
        case .timeout: return "timeout"
        case .deadline: return "deadline exceeded"
        case .cancelled: return "cancelled"
        case .network(let message): return "network error: \(message)"
        case .malformed(let message): return "malformed response: \(message)"
        }
    }
}

/// One query sent to one server, for logs.
public struct QueryTrace: Hashable, Sendable {
    /// How the query was carried.
    public enum Transport: String, Hashable, Sendable {
        /// Over UDP.
        case udp
        /// Over TCP (RFC 7766), for example after a truncated UDP answer.
        case tcp
    }

    /// How the query ended.
    public enum Outcome: Hashable, Sendable {
        /// A response with this RCODE and this many answer records.
        case response(ResponseCode, answerCount: Int)
        /// A UDP response with the TC bit set (retried over TCP).
        case truncated
        /// No response before the per-query timeout.
        case timeout
        /// Abandoned because the evaluation deadline passed or the task was
        /// cancelled.
        case abandoned
        /// A transport or decoding error.
        case error(String)
    }

    /// The name asked for (exactly the octets sent).
    public var name: Name
    /// The type asked for.
    public var type: RecordType
    /// The server, as `192.0.2.53:53` or `[2001:db8::53]:53`.
    public var server: String
    /// UDP or TCP.
    public var transport: Transport
    /// How the query ended.
    public var outcome: Outcome
    /// When the query was sent.
    public var start: ContinuousClock.Instant
    /// How long it took until the outcome.
    public var duration: Duration

    /// Creates a trace entry.
    public init(name: Name, type: RecordType, server: String, transport: Transport = .udp, outcome: Outcome,
                start: ContinuousClock.Instant, duration: Duration) {
        self.name = name
        self.type = type
        self.server = server
        self.transport = transport
        self.outcome = outcome
        self.start = start
        self.duration = duration
    }
}

extension QueryTrace.Outcome: CustomStringConvertible {
    /// `NOERROR (2 answers)`, `NXDOMAIN`, `truncated`, `timeout`,
    /// `abandoned`, `error: …`.
    public var description: String {
        switch self {
        case .response(let rcode, let count):
            if rcode == .noError { return "NOERROR (\(count) answer\(count == 1 ? "" : "s"))" }
            return rcode.description
        case .truncated: return "truncated"
        case .timeout: return "timeout"
        case .abandoned: return "abandoned"
        case .error(let message): return "error: \(message)"
        }
    }
}

extension QueryTrace: CustomStringConvertible {
    /// `mail.example.test. A @192.0.2.53:53 udp NOERROR (1 answer) 1.234 ms`.
    public var description: String {
        "\(name) \(type) @\(server) \(transport.rawValue) \(outcome) \(Milliseconds.text(duration)) ms"
    }
}
