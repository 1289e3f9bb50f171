public import DNSTransport
public import DNSWire

/// A final answer from a server: NOERROR (with or without data) or NXDOMAIN.
///
/// Failures that another server or a later try might not have (SERVFAIL,
/// REFUSED, timeouts, network errors, malformed responses) are never an
/// answer: they are a ``ResolverError``.
public struct DNSAnswer: Sendable {
    /// The fields live in one copy-on-write box, so an answer is one word
    /// wide: it is passed through many async functions (cache, in-flight
    /// table, retries), and every one of them keeps the values it holds
    /// across a suspension in the task's memory for as long as it waits.
    @usableFromInline
    final class Storage: @unchecked Sendable {
        var question: Question
        var rcode: ResponseCode
        var records: [ResourceRecord]
        var cnameChain: [ResourceRecord]
        var canonicalName: Name
        var soa: ResourceRecord?
        var server: SocketAddress?
        var fromCache: Bool
        var attempts: [ServerAttempt]

        init(question: Question, rcode: ResponseCode, records: [ResourceRecord], cnameChain: [ResourceRecord],
             canonicalName: Name, soa: ResourceRecord?, server: SocketAddress?, fromCache: Bool, attempts: [ServerAttempt]) {
            self.question = question
            self.rcode = rcode
            self.records = records
            self.cnameChain = cnameChain
            self.canonicalName = canonicalName
            self.soa = soa
            self.server = server
            self.fromCache = fromCache
            self.attempts = attempts
        }

        func copy() -> Storage {
            Storage(question: question, rcode: rcode, records: records, cnameChain: cnameChain, canonicalName: canonicalName,
                    soa: soa, server: server, fromCache: fromCache, attempts: attempts)
        }
    }

    @usableFromInline var storage: Storage

    init(question: Question, rcode: ResponseCode, records: [ResourceRecord], cnameChain: [ResourceRecord],
         canonicalName: Name, soa: ResourceRecord?, server: SocketAddress?, fromCache: Bool, attempts: [ServerAttempt]) {
        storage = Storage(question: question, rcode: rcode, records: records, cnameChain: cnameChain,
                          canonicalName: canonicalName, soa: soa, server: server, fromCache: fromCache, attempts: attempts)
    }

    /// Makes the box this answer's own before a write.
    private mutating func unique() -> Storage {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return storage
    }

    /// The question as asked (name in the caller's spelling).
    public var question: Question {
        get { storage.question }
        set { unique().question = newValue }
    }
    /// NOERROR or NXDOMAIN.
    public var rcode: ResponseCode {
        get { storage.rcode }
        set { unique().rcode = newValue }
    }
    /// The records of the asked type owned by ``canonicalName``, in the order
    /// the server sent them.
    public var records: [ResourceRecord] {
        get { storage.records }
        set { unique().records = newValue }
    }
    /// The CNAME records followed from the question name to ``canonicalName``, in order.
    public var cnameChain: [ResourceRecord] {
        get { storage.cnameChain }
        set { unique().cnameChain = newValue }
    }
    /// The name the answer is about after following CNAMEs (the question name if none).
    public var canonicalName: Name {
        get { storage.canonicalName }
        set { unique().canonicalName = newValue }
    }
    /// The SOA record from the authority section of a negative answer.
    public var soa: ResourceRecord? {
        get { storage.soa }
        set { unique().soa = newValue }
    }
    /// The server that answered (nil when the answer came from the cache).
    public var server: SocketAddress? {
        get { storage.server }
        set { unique().server = newValue }
    }
    /// Whether this answer was served from the cache.
    public var fromCache: Bool {
        get { storage.fromCache }
        set { unique().fromCache = newValue }
    }
    /// Every try made for this answer, in order (empty from the cache).
    public var attempts: [ServerAttempt] {
        get { storage.attempts }
        set { unique().attempts = newValue }
    }

    /// This answer with ``question`` spelled as `asked` (a cached or shared
    /// answer may have been asked in another case); no copy when it already is.
    func asked(as asked: Question) -> DNSAnswer {
        let current = storage.question
        if current.type == asked.type, current.dnsClass == asked.dnsClass, current.name.isIdentical(to: asked.name) {
            return self
        }
        var answer = self
        answer.question = asked
        return answer
    }

    /// True for NXDOMAIN: the (canonical) name does not exist.
    public var isNXDomain: Bool { rcode == .nxDomain }

    /// True for NODATA: the name exists but has no records of the asked type.
    public var isNoData: Bool { rcode == .noError && records.isEmpty }

    /// The owner names of the CNAME chain: the question name and every alias
    /// before the canonical name.
    public var aliases: [Name] { cnameChain.map(\.name) }

    /// The negative-caching TTL of RFC 2308 §5: the smaller of the SOA
    /// record's TTL and its MINIMUM field; nil without an SOA.
    public var negativeTTL: UInt32? {
        guard let soa, case .soa(let data) = soa.data else { return nil }
        return min(soa.ttl, data.minimum)
    }

    /// The IPv4 and IPv6 addresses among ``records``.
    public var addresses: [IPAddress] {
        records.compactMap { record in
            switch record.data {
            case .a(let a): return .v4(a)
            case .aaaa(let a): return .v6(a)
            default: return nil
            }
        }
    }

    /// The target names among ``records`` (PTR, NS, CNAME data, MX exchanges).
    public var names: [Name] {
        records.compactMap { record in
            switch record.data {
            case .ptr(let n), .ns(let n), .cname(let n): return n
            case .mx(let mx): return mx.exchange
            default: return nil
            }
        }
    }
}

/// What happened on one try of one server.
public struct ServerAttempt: Sendable, Hashable {
    /// The server tried.
    public var server: SocketAddress
    /// UDP or TCP.
    public var transport: Transport
    /// What came of it.
    public var outcome: Outcome
    /// When the try began.
    public var start: ContinuousClock.Instant
    /// How long the try took.
    public var duration: Duration
    /// Datagrams received on the query's socket and dropped because their
    /// source, ID or question did not match (possible forgeries).
    public var droppedDatagrams: Int

    /// The transport a try used.
    public enum Transport: String, Sendable, Hashable {
        /// A UDP datagram exchange.
        case udp
        /// A TCP connection with length-prefixed messages.
        case tcp
    }

    /// The result of a try.
    public enum Outcome: Sendable, Hashable {
        /// A response with this RCODE (NOERROR and NXDOMAIN end the query).
        case response(ResponseCode)
        /// A UDP response with TC=1, to be asked again over TCP.
        case truncated
        /// No acceptable response before the try's deadline.
        case timeout
        /// The socket layer failed.
        case transportError(TransportError)
        /// Only undecodable responses came back (the first decode error is kept).
        case malformed(DNSDecodeError)
        /// A TCP response that did not match the query's ID or question.
        case mismatched
    }

    /// Creates an attempt record.
    public init(server: SocketAddress, transport: Transport, outcome: Outcome, start: ContinuousClock.Instant,
                duration: Duration, droppedDatagrams: Int = 0) {
        self.server = server
        self.start = start
        self.transport = transport
        self.outcome = outcome
        self.duration = duration
        self.droppedDatagrams = droppedDatagrams
    }
}

extension ServerAttempt: CustomStringConvertible {
    /// `127.0.0.1:53 udp SERVFAIL 3ms`.
    public var description: String {
        let outcomeText: String
        switch outcome {
        case .response(let rcode): outcomeText = rcode.description
        case .truncated: outcomeText = "truncated (TC=1)"
        case .timeout: outcomeText = "timeout"
        case .transportError(let error): outcomeText = "\(error)"
        case .malformed(let error): outcomeText = "malformed: \(error)"
        case .mismatched: outcomeText = "mismatched response"
        }
        let ms = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        return "\(server) \(transport.rawValue) \(outcomeText) \(Int(ms.rounded()))ms"
            + (droppedDatagrams > 0 ? " (\(droppedDatagrams) datagrams dropped)" : "")
    }
}

/// Why a query got no final answer. Each case keeps every try made.
public enum ResolverError: Error, Sendable {
    /// Every try of every server failed (SERVFAIL, REFUSED, timeouts, network
    /// errors, malformed or truncated-and-unreachable-over-TCP responses).
    case allServersFailed(question: Question, attempts: [ServerAttempt])
    /// The query's overall deadline passed first.
    case deadlineExceeded(question: Question, attempts: [ServerAttempt])
    /// The task was cancelled.
    case cancelled
    /// The answer's CNAME chain was longer than the hop limit, or looped.
    case cnameChainTooLong(question: Question, chain: [ResourceRecord])
    /// The configuration has no servers.
    case noServers

    /// Every try made, in order.
    public var attempts: [ServerAttempt] {
        switch self {
        case .allServersFailed(_, let attempts), .deadlineExceeded(_, let attempts): return attempts
        case .cancelled, .cnameChainTooLong, .noServers: return []
        }
    }

    /// True for failures a later query might not have (all of them but a
    /// CNAME loop and a missing configuration).
    public var isTransient: Bool {
        switch self {
        case .allServersFailed, .deadlineExceeded, .cancelled: return true
        case .cnameChainTooLong, .noServers: return false
        }
    }
}

extension ResolverError: CustomStringConvertible {
    /// One line: what failed and how each try ended.
    public var description: String {
        switch self {
        case .allServersFailed(let q, let attempts):
            return "\(q.name) \(q.type): all servers failed: " + attempts.map(\.description).joined(separator: "; ")
        case .deadlineExceeded(let q, let attempts):
            return "\(q.name) \(q.type): deadline exceeded"
                + (attempts.isEmpty ? "" : ": " + attempts.map(\.description).joined(separator: "; "))
        case .cancelled: return "cancelled"
        case .cnameChainTooLong(let q, let chain): return "\(q.name) \(q.type): CNAME chain too long or looping (\(chain.count) hops)"
        case .noServers: return "no servers configured"
        }
    }
}
