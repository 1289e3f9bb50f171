import DNSResolver
import DNSTransport
import DNSWire
import FCrDNS
import Testing

/// The evaluator against unbound and NSD on loopback, over the scenarios of
/// scripts/zones/README.md (client IP → PTR setup → forward setup → verdict).
@Suite("FCrDNS against real servers", .enabled(if: RealServers.available, RealServers.skipReason))
struct FCrDNSInteropTests {
    static let scenarios: [(String, IPRevResult)] = [
        ("192.0.2.25", .pass),          // mail.example.test ↔ A
        ("2001:db8::25", .pass),        // IPv6 pass via AAAA
        ("::ffff:192.0.2.25", .pass),   // v4-mapped client, normalised
        ("192.0.2.99", .permerror),     // no PTR: NXDOMAIN
        ("192.0.2.98", .permerror),     // PTR NODATA
        ("2001:db8::99", .permerror),
        ("192.0.2.30", .fail),          // forward NXDOMAIN
        ("192.0.2.31", .fail),          // forward mismatch
        ("192.0.2.33", .fail),          // forward NODATA
        ("2001:db8::26", .fail),        // AAAA NODATA
        ("192.0.2.35", .pass),          // three names, one confirms
        ("192.0.2.36", .pass),          // 12 names, the first confirms
        ("192.0.2.37", .fail),          // 12 names, only the 12th confirms: beyond the cap of 10
        ("192.0.2.130", .pass),         // RFC 2317
        ("192.0.2.131", .fail),         // RFC 2317, mismatch
        ("192.0.2.129", .permerror),    // RFC 2317 CNAME to an absent target
        ("192.0.2.45", .pass),          // forward CNAME
        ("2001:db8::45", .pass),
        ("192.0.2.40", .fail),          // numeric PTR target "192.0.2.40."
        ("192.0.2.41", .pass),
        ("192.0.2.55", .pass),          // PTR target with an escaped dot
        ("192.0.2.56", .pass),          // PTR target with a space
        ("192.0.2.66", .temperror),     // SERVFAIL on PTR
        ("2001:db8::66", .temperror),
        ("192.0.2.67", .temperror),     // SERVFAIL on forward
        ("192.0.2.77", .pass),          // 40 PTR names, only over TCP
        ("198.51.100.10", .pass),       // two-step forward CNAME chain
        ("198.51.100.26", .fail),
        ("127.0.0.10", .pass),
        ("127.0.0.11", .permerror),
        ("127.0.0.12", .fail),
    ]

    @Test(arguments: scenarios)
    func scenario(ip: String, expected: IPRevResult) async throws {
        let evaluator = FCrDNSEvaluator(resolver: RealServers.resolver(), options: FCrDNSOptions(timeout: .seconds(10)))
        let result = await evaluator.evaluate(ip: try IPAddress(parsing: ip))
        #expect(result.verdict.result == expected, "\(ip): \(result.text)")
        #expect(!result.trace.isEmpty)
    }

    @Test func passCarriesTheConfirmedNameAndHeader() async throws {
        let evaluator = FCrDNSEvaluator(resolver: RealServers.resolver())
        let result = await evaluator.evaluate(ip: try IPAddress(parsing: "192.0.2.25"), helo: "mail.example.test")
        #expect(result.confirmedNames.map(\.name) == ["mail.example.test."])
        #expect(result.authenticationResults.hasPrefix("iprev=pass (mail.example.test) policy.iprev=192.0.2.25"))
        #expect(result.smtpReply == nil)
        #expect(result.findings.contains { if case .helo(.matchesConfirmedName) = $0 { return true }; return false })
    }

    @Test func capLeavesNamesOutAndSaysSo() async throws {
        let evaluator = FCrDNSEvaluator(resolver: RealServers.resolver())
        let capped = await evaluator.evaluate(ip: try IPAddress(parsing: "192.0.2.37"))
        #expect(capped.namesLeftOut.count == 2)
        let all = await FCrDNSEvaluator(resolver: RealServers.resolver(), options: FCrDNSOptions(maxNames: 12))
            .evaluate(ip: try IPAddress(parsing: "192.0.2.37"))
        #expect(all.verdict.result == .pass)
    }

    @Test func heloCases() async throws {
        let evaluator = FCrDNSEvaluator(resolver: RealServers.resolver())
        let ip = try IPAddress(parsing: "192.0.2.25")
        let mismatch = await evaluator.evaluate(ip: ip, helo: "other.example.test")
        #expect(mismatch.findings.contains { if case .helo(.mismatch) = $0 { return true }; return false })
        let literal = await evaluator.evaluate(ip: ip, helo: "[192.0.2.25]")
        #expect(literal.findings.contains { if case .helo(.addressLiteral(_, matchesClient: true)) = $0 { return true }; return false })
        let bare = await evaluator.evaluate(ip: ip, helo: "localhost")
        #expect(bare.findings.contains { if case .helo(.notFullyQualified) = $0 { return true }; return false })
        // HELO never changes the verdict.
        #expect([mismatch, literal, bare].allSatisfy { $0.verdict.result == .pass })
    }

    @Test func timeoutIsTemperror() async throws {
        // Nothing listens on this loopback port: ICMP port-unreachable or silence.
        let dead = SocketAddress(ipv4: 127, 0, 0, 1, port: 35399)
        let resolver = RealServers.resolver([dead]) { $0.timeout = .milliseconds(200) }
        let result = await FCrDNSEvaluator(resolver: resolver, options: FCrDNSOptions(timeout: .seconds(2)))
            .evaluate(ip: try IPAddress(parsing: "192.0.2.25"))
        #expect(result.verdict.result == .temperror)
    }

    @Test func tcpOnlyLargePTRSet() async throws {
        let resolver = RealServers.resolver { $0.tcpOnly = true }
        let result = await FCrDNSEvaluator(resolver: resolver).evaluate(ip: try IPAddress(parsing: "192.0.2.77"))
        #expect(result.verdict.result == .pass)
        #expect(result.ptrNames.count == 40)
        #expect(result.namesLeftOut.count == 30)
    }

    @Test func genericNameIsAFindingNotAVerdict() async throws {
        let result = await FCrDNSEvaluator(resolver: RealServers.resolver()).evaluate(ip: try IPAddress(parsing: "192.0.2.50"))
        #expect(result.verdict.result == .pass)
        #expect(result.findings.contains { if case .genericName = $0 { return true }; return false })
    }
}
