import DNSResolver
import DNSTransport
import DNSWire
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The stub resolver against unbound (recursive, in front of NSD), on loopback.
@Suite("Resolver against real servers", .enabled(if: RealServers.available, RealServers.skipReason))
struct ResolverInteropTests {
    let resolver = RealServers.resolver()

    @Test func ptrIPv4() async throws {
        let names = try await resolver.pointerNames(for: IPAddress("192.0.2.25")!)
        #expect(names == ["mail.example.test."])
    }

    @Test func ptrIPv6OverIPv6Transport() async throws {
        let r = RealServers.resolver([RealServers.recursiveV6])
        let names = try await r.pointerNames(for: IPAddress("2001:db8::25")!)
        #expect(names == ["mail.example.test."])
    }

    @Test func nxdomainCarriesTheSOA() async throws {
        let answer = try await resolver.query(IPAddress("192.0.2.99")!.reverseName, type: .ptr)
        #expect(answer.isNXDomain)
        #expect(answer.soa?.type == .soa)
        #expect(answer.negativeTTL != nil)
    }

    @Test func nodata() async throws {
        let answer = try await resolver.query(IPAddress("192.0.2.98")!.reverseName, type: .ptr)
        #expect(answer.isNoData && !answer.isNXDomain)
        #expect(answer.soa != nil)
    }

    @Test func cnameChain() async throws {
        let answer = try await resolver.query("alias1.example.test.", type: .a)
        #expect(answer.aliases == ["alias1.example.test.", "alias2.example.test."])
        #expect(answer.canonicalName == "mail.example.test.")
        #expect(answer.addresses == [IPAddress("192.0.2.25")!])
    }

    @Test func rfc2317ClasslessDelegation() async throws {
        let answer = try await resolver.query(IPAddress("192.0.2.130")!.reverseName, type: .ptr)
        #expect(answer.cnameChain.count == 1)
        #expect(answer.canonicalName.description.contains("/"))
        #expect(answer.names.count == 1)
    }

    @Test func largeAnswerArrivesOverTCP() async throws {
        let answer = try await resolver.query(IPAddress("192.0.2.77")!.reverseName, type: .ptr)
        #expect(answer.names.count == 40)
        // The answer came over TCP after a truncated UDP one. (A busy unbound
        // may close a TCP connection first; the resolver then tries again.)
        #expect(answer.attempts.suffix(2).map(\.transport) == [.udp, .tcp], "\(answer.attempts)")
        #expect(answer.attempts.suffix(2).first?.outcome == .truncated)
        let big = try await resolver.query("big.example.test.", type: .a)
        #expect(big.records.count == 100)
    }

    @Test func tcpOnly() async throws {
        let r = RealServers.resolver { $0.tcpOnly = true }
        let answer = try await r.query("mail.example.test.", type: .aaaa)
        #expect(answer.addresses == [IPAddress("2001:db8::25")!])
        // Every try went over TCP. (A busy unbound may close a connection
        // before answering; the resolver then simply tries again.)
        #expect(!answer.attempts.isEmpty && answer.attempts.allSatisfy { $0.transport == .tcp }, "\(answer.attempts)")
    }

    @Test func servfailZoneIsATransientError() async throws {
        await #expect {
            _ = try await resolver.query("servfail.test.", type: .a)
        } throws: { error in
            guard case .allServersFailed(_, let attempts) = error as? ResolverError else { return false }
            return attempts.allSatisfy { $0.outcome == .response(.servFail) } && attempts.count == 2
        }
    }

    @Test func mixedCaseQueriesAndCaseRandomisation() async throws {
        let r = RealServers.resolver { $0.randomizeCase = true }
        let answer = try await r.query("MaIl.ExAmPlE.tEsT.", type: .a)
        #expect(answer.addresses == [IPAddress("192.0.2.25")!])
    }

    @Test func escapedLabelsReachTheServerByteForByte() async throws {
        let name = try Name(labels: [Array("weird.label".utf8), Array("example".utf8), Array("test".utf8)])
        let answer = try await resolver.query(name, type: .a)
        #expect(answer.addresses == [IPAddress("192.0.2.55")!])
        let ptr = try await resolver.pointerNames(for: IPAddress("192.0.2.55")!)
        #expect(ptr.first?.isIdentical(to: name) == true)
    }

    @Test func directToTheAuthoritativeServer() async throws {
        let r = RealServers.resolver([RealServers.authoritative])
        let answer = try await r.query("example.test.", type: .mx)
        #expect(!answer.records.isEmpty)
        #expect(answer.records.allSatisfy { $0.type == .mx })
    }

    @Test func twoThousandConcurrentQueriesLoseNothingAndLeakNoDescriptors() async throws {
        // Distinct names (the cache and coalescing would otherwise answer most of them).
        let r = RealServers.resolver { $0.cache.enabled = false; $0.maxInFlight = 512; $0.timeout = .seconds(5) }
        _ = try await r.query("mail.example.test.", type: .a)  // event loop up
        try await Task.sleep(for: .milliseconds(1))
        let before = openDescriptors()
        let results = await withTaskGroup(of: Bool.self) { group in
            for i in 0..<2000 {
                let address = IPv4Address(198, 51, 100, UInt8(i % 256))
                let type: RecordType = i % 2 == 0 ? .ptr : .txt
                group.addTask {
                    (try? await r.query(address.reverseName, type: type)) != nil
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.count == 2000)
        #expect(results.allSatisfy { $0 }, "\(results.filter { !$0 }.count) queries got no answer")
        // Other suites run in parallel and open sockets of their own: wait
        // (up to 30 s, longer than the whole run) for the count to come back,
        // then require it. A real leak never comes back.
        for _ in 0..<1500 where openDescriptors() > before { try await Task.sleep(for: .milliseconds(20)) }
        #expect(openDescriptors() <= before)
    }

    func openDescriptors() -> Int {
        guard let dir = opendir("/proc/self/fd") else { return -1 }
        defer { closedir(dir) }
        var count = 0
        while readdir(dir) != nil { count += 1 }
        return count
    }
}
