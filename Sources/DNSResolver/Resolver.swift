package import DNSTransport
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
    /// The event loop of a ``SocketTransport``, called directly: two async
    /// frames fewer per query in flight than through the protocol.
    let socketLoop: EventLoop?
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
        let transport = transport ?? SocketTransport()
        self.transport = transport
        self.socketLoop = (transport as? SocketTransport)?.eventLoop
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
        return try Self.answer(await ask(question, deadline: deadline.map(Deadline.init)), as: question)
    }

    /// ``query(_:type:dnsClass:deadline:)`` without the answer or error in
    /// the caller's async frame: the flight that ended with it, to read with
    /// ``answer(_:as:)``. An asker in flight waits in this frame, which holds
    /// little more than the question and the flight.
    package func ask(_ question: Question, deadline: Deadline?) async -> QueryFlight {
        for _ in 0..<3 {
            let (flight, role) = admit(question, deadline: deadline)
            switch role {
            case .lead:
                await resolve(flight)
            case .follow:
                await flights.wait(on: flight)
                // A leader's cancellation is not this asker's: ask again.
                if flight.endedCancelled, !Task.isCancelled { continue }
            case nil:
                break
            }
            return flight
        }
        return Self.cancelledFlight(question)
    }

    /// The flight that answers `question`: a finished one for a cached
    /// answer or an error found at once, else the one already in the air or
    /// a new one.
    @inline(never)
    private func admit(_ question: Question, deadline: Deadline?) -> (QueryFlight, FlightTable.Role?) {
        let key = CacheKey(question)
        let now = Deadline.now
        func finished(_ outcome: QueryFlight.Outcome) -> (QueryFlight, FlightTable.Role?) {
            (QueryFlight(key: key, deadline: now, outcome: outcome), nil)
        }
        guard !configuration.servers.isEmpty else { return finished(.failure(.noServers)) }
        if Task.isCancelled { return finished(.failure(.cancelled)) }
        if let cache, let cached = cache.lookup(key, now: .now) { return finished(.success(cached)) }
        let ownDeadline = now + configuration.effectiveTotalTimeout
        let flightDeadline = min(ownDeadline, deadline ?? ownDeadline)
        return flights.join(key, waiterDeadline: deadline, flightDeadline: flightDeadline)
    }

    /// A finished flight for an asker whose leaders kept being cancelled.
    @inline(never)
    private static func cancelledFlight(_ question: Question) -> QueryFlight {
        QueryFlight(key: CacheKey(question), deadline: .now, outcome: .failure(.cancelled))
    }

    /// A flight's outcome for one asker: the answer with the asker's
    /// spelling of the question, or the error.
    @inline(never)
    package static func answer(_ flight: QueryFlight, as question: Question) throws(ResolverError) -> DNSAnswer {
        switch flight.outcome {
        case .success(let answer): return answer.asked(as: question)
        case .failure(let error): throw error
        case nil: throw .cancelled  // The asker was cancelled while it waited.
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

    /// Tries the servers in rounds until one gives a final answer, and ends
    /// the flight with it.
    ///
    /// The loop's state is one ``Resolution``; choosing the next try and
    /// reading its response are synchronous, so the frame that waits holds
    /// little more than that reference.
    func resolve(_ flight: QueryFlight) async {
        let resolution = Resolution(question: flight.key.question, deadline: flight.deadline, servers: serverOrder(),
                                    rounds: configuration.attempts, ednsSize: configuration.ednsPayloadSize)
        while startTry(resolution) {
            await exchange(resolution)
            handle(resolution)
        }
        finish(flight, with: resolution)
    }

    /// Ends the flight with the resolution's outcome.
    @inline(never)
    func finish(_ flight: QueryFlight, with resolution: Resolution) {
        flights.finish(flight, with: resolution.outcome ?? .failure(.cancelled))
    }

    /// Sets up the next try (the next server, or the same one again without
    /// EDNS) and says whether there is one; when not, the outcome is set.
    @inline(never)
    func startTry(_ resolution: Resolution) -> Bool {
        if resolution.outcome != nil { return false }
        if resolution.repeatsTry {
            resolution.repeatsTry = false
            return true
        }
        let question = resolution.question
        let deadline = resolution.deadline
        let attempts = resolution.attempts
        guard resolution.next < resolution.servers.count * resolution.rounds else {
            resolution.outcome = .failure(Deadline.now >= deadline
                ? .deadlineExceeded(question: question, attempts: attempts)
                : .allServersFailed(question: question, attempts: attempts))
            return false
        }
        if Task.isCancelled {
            resolution.outcome = .failure(.cancelled)
            return false
        }
        let now = Deadline.now
        guard now < deadline else {
            resolution.outcome = .failure(.deadlineExceeded(question: question, attempts: attempts))
            return false
        }
        resolution.server = resolution.servers[resolution.next % resolution.servers.count]
        resolution.next += 1
        resolution.tryDeadline = min(now + configuration.timeout, deadline)
        resolution.triedWithoutEDNS = false
        return true
    }

    /// Reads the response of a try (none: go on).
    @inline(never)
    func handle(_ resolution: Resolution) {
        if Task.isCancelled {
            resolution.outcome = .failure(.cancelled)
            return
        }
        guard let response = resolution.response else { return }
        let rcode = response.rcode
        if rcode == .noError || rcode == .nxDomain {
            do throws(ResolverError) {
                let answer = try makeAnswer(resolution.question, response: response, server: resolution.server,
                                            attempts: resolution.attempts)
                cache?.store(answer, now: .now)
                resolution.outcome = .success(answer)
            } catch {
                resolution.outcome = .failure(error)
            }
            return
        }
        // RFC 6891 §7: a server that does not know EDNS answers FORMERR (or
        // NOTIMP); ask it once more without OPT (and the later servers too).
        if rcode == .formErr || rcode == .notImp, resolution.ednsSize != nil, !resolution.triedWithoutEDNS {
            resolution.triedWithoutEDNS = true
            resolution.ednsSize = nil
            resolution.repeatsTry = true
        }
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
