import DNSTransport
public import DNSWire
import Synchronization

/// An asynchronous stub resolver: asks recursive servers over UDP (TCP when
/// an answer is truncated), validates every response against its query,
/// follows CNAMEs inside the answer, caches positive and negative answers,
/// and merges identical questions already in flight.
///
/// One instance is meant to be shared: it is `Sendable`, keeps no thread per
/// query (the sockets are driven by one event loop), and caps how many
/// queries are on the network at once.
///
/// ```swift
/// let resolver = Resolver(configuration: ResolverConfiguration(servers: [SocketAddress("127.0.0.1:35354")!]))
/// let names = try await resolver.pointerNames(for: IPAddress("192.0.2.25")!)
/// ```
public final class Resolver: Sendable {
    /// The configuration in force (clamped).
    public let configuration: ResolverConfiguration
    let transport: any DNSExchangeTransport
    let cache: ResolverCache?
    let flights = FlightTable()
    let limiter: AsyncLimiter
    let rotation = Atomic<Int>(0)

    /// Creates a resolver. Without a transport, real sockets are used.
    public init(configuration: ResolverConfiguration, transport: (any DNSExchangeTransport)? = nil) {
        var configuration = configuration
        configuration.attempts = min(max(configuration.attempts, 1), 5)
        configuration.maxInFlight = max(configuration.maxInFlight, 1)
        configuration.maxCNAMEHops = min(max(configuration.maxCNAMEHops, 1), 64)
        if let size = configuration.ednsPayloadSize { configuration.ednsPayloadSize = max(size, 512) }
        if configuration.timeout <= .zero { configuration.timeout = .milliseconds(100) }
        self.configuration = configuration
        self.transport = transport ?? SocketTransport()
        self.cache = configuration.cache.enabled ? ResolverCache(options: configuration.cache) : nil
        self.limiter = AsyncLimiter(limit: configuration.maxInFlight)
    }

    /// Asks for `type` records of `name`.
    ///
    /// - Parameter deadline: an overall deadline for this call, on top of the
    ///   configuration's (the earlier wins).
    /// - Returns: the answer for NOERROR (with data or NODATA) and NXDOMAIN.
    /// - Throws: ``ResolverError`` for everything else.
    public func query(_ name: Name, type: RecordType, dnsClass: DNSClass = .in,
                      deadline: ContinuousClock.Instant? = nil) async throws(ResolverError) -> DNSAnswer {
        let question = Question(name: name, type: type, dnsClass: dnsClass)
        guard !configuration.servers.isEmpty else { throw .noServers }
        if Task.isCancelled { throw .cancelled }
        let key = CacheKey(question)
        if let cache, let cached = cache.lookup(key, now: .now) {
            return cached.asked(as: question)
        }
        let ownDeadline = ContinuousClock.now + configuration.effectiveTotalTimeout
        let flightDeadline = min(ownDeadline, deadline ?? ownDeadline)
        let result = await flights.run(key, waiterDeadline: deadline, flightDeadline: flightDeadline, question: question) {
            await self.resolve(question, deadline: flightDeadline)
        }
        switch result {
        case .success(let answer):
            return answer.asked(as: question)
        case .failure(let error):
            throw error
        }
    }

    /// The IPv4 and IPv6 addresses of `name` (A and AAAA asked at the same
    /// time), following CNAMEs. NXDOMAIN and NODATA give an empty list.
    ///
    /// - Throws: the first ``ResolverError`` when no lookup gave an answer.
    public func addresses(of name: Name, types: [RecordType] = [.a, .aaaa],
                          deadline: ContinuousClock.Instant? = nil) async throws(ResolverError) -> [IPAddress] {
        let results = await withTaskGroup(of: (Int, Result<DNSAnswer, ResolverError>).self) { group in
            for (index, type) in types.enumerated() {
                group.addTask {
                    do throws(ResolverError) {
                        return (index, .success(try await self.query(name, type: type, deadline: deadline)))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            var collected = [Result<DNSAnswer, ResolverError>?](repeating: nil, count: types.count)
            for await (index, result) in group { collected[index] = result }
            return collected.compactMap { $0 }
        }
        var addresses: [IPAddress] = []
        var firstError: ResolverError?
        var answered = false
        for result in results {
            switch result {
            case .success(let answer):
                answered = true
                addresses.append(contentsOf: answer.addresses)
            case .failure(let error):
                if firstError == nil { firstError = error }
            }
        }
        if !answered, let firstError { throw firstError }
        return addresses
    }

    /// The PTR names of `address` (IPv4-mapped IPv6 addresses are looked up
    /// under in-addr.arpa), following an RFC 2317 CNAME. NXDOMAIN and NODATA
    /// give an empty list.
    public func pointerNames(for address: IPAddress, deadline: ContinuousClock.Instant? = nil) async throws(ResolverError) -> [Name] {
        try await query(address.normalized.reverseName, type: .ptr, deadline: deadline).names
    }

    /// The names to try for a host name typed by a person, in order, as
    /// glibc's `res_search` builds them from ``ResolverConfiguration/searchDomains``
    /// and ``ResolverConfiguration/ndots``: a name ending in a dot is only
    /// itself; one with at least `ndots` dots is tried as given first, then
    /// with each search domain; otherwise the search domains come first.
    public func searchNames(for text: String) -> [Name] {
        guard let name = try? Name(parsing: text) else { return [] }
        if text.hasSuffix(".") { return [name] }
        let dots = text.utf8.filter { $0 == UInt8(ascii: ".") }.count
        let searched = configuration.searchDomains.compactMap { try? name.appending($0) }
        return dots >= configuration.ndots ? [name] + searched : searched + [name]
    }

    // MARK: - One query, all servers

    /// The server order for one query.
    func serverOrder() -> [SocketAddress] {
        let servers = configuration.servers
        guard configuration.rotate, servers.count > 1 else { return servers }
        let start = rotation.add(1, ordering: .relaxed).oldValue % servers.count
        return Array(servers[start...] + servers[..<start])
    }

    /// Tries the servers in rounds until one gives a final answer.
    func resolve(_ question: Question, deadline: ContinuousClock.Instant) async -> Result<DNSAnswer, ResolverError> {
        var attempts: [ServerAttempt] = []
        var ednsSize = configuration.ednsPayloadSize
        let servers = serverOrder()
        for _ in 0..<configuration.attempts {
            for server in servers {
                if Task.isCancelled { return .failure(.cancelled) }
                let now = ContinuousClock.now
                guard now < deadline else { return .failure(.deadlineExceeded(question: question, attempts: attempts)) }
                let tryDeadline = min(now + configuration.timeout, deadline)
                var triedWithoutEDNS = false
                while true {
                    let response = await exchange(question, with: server, ednsSize: ednsSize, deadline: tryDeadline, attempts: &attempts)
                    if Task.isCancelled { return .failure(.cancelled) }
                    guard let response else { break }
                    let rcode = response.rcode
                    if rcode == .noError || rcode == .nxDomain {
                        do throws(ResolverError) {
                            let answer = try makeAnswer(question, response: response, server: server, attempts: attempts)
                            cache?.store(answer, now: .now)
                            return .success(answer)
                        } catch {
                            return .failure(error)
                        }
                    }
                    // RFC 6891 §7: a server that does not know EDNS answers
                    // FORMERR (or NOTIMP); ask it once more without OPT.
                    if (rcode == .formErr || rcode == .notImp), ednsSize != nil, !triedWithoutEDNS {
                        triedWithoutEDNS = true
                        ednsSize = nil
                        continue
                    }
                    break
                }
            }
        }
        if ContinuousClock.now >= deadline { return .failure(.deadlineExceeded(question: question, attempts: attempts)) }
        return .failure(.allServersFailed(question: question, attempts: attempts))
    }

    /// Builds the answer: follows the CNAME chain from the question name
    /// inside the answer section and collects the records of the asked type.
    func makeAnswer(_ question: Question, response: Message, server: SocketAddress,
                    attempts: [ServerAttempt]) throws(ResolverError) -> DNSAnswer {
        var current = question.name
        var chain: [ResourceRecord] = []
        if question.type != .cname && question.type != .any {
            while let cname = response.answers.first(where: {
                $0.type == .cname && $0.dnsClass == question.dnsClass && $0.name == current
            }), case .cname(let target) = cname.data {
                chain.append(cname)
                guard chain.count <= configuration.maxCNAMEHops, !chain.dropLast().contains(where: { $0.name == target }),
                      target != question.name else {
                    throw .cnameChainTooLong(question: question, chain: chain)
                }
                current = target
            }
        }
        let records = response.answers.filter {
            $0.name == current && ($0.type == question.type || question.type == .any) && $0.dnsClass == question.dnsClass
        }
        let soa = response.authorities.first { $0.type == .soa }
        return DNSAnswer(question: question, rcode: response.rcode, records: records, cnameChain: chain,
                         canonicalName: current, soa: soa, server: server, fromCache: false, attempts: attempts)
    }
}
