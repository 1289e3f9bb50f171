import DNSWire
import Synchronization
import Testing
@testable import FCrDNS

/// How the forward lookup of one PTR name ends, in the precedence tables.
enum Forward: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// The client address is among the addresses (not first).
    case match
    /// Addresses, none the client's.
    case mismatch
    case nxdomain
    case nodata
    /// SERVFAIL.
    case transient
    /// Would match, but sleeps past the shared deadline.
    case deadline

    var testDescription: String { rawValue }

    static let client = "192.0.2.25"

    func script(_ name: Name, into resolver: inout ScriptedResolver) {
        switch self {
        case .match: resolver.setAddresses(name, .a, ["198.51.100.9", Forward.client])
        case .mismatch: resolver.setAddresses(name, .a, ["198.51.100.9"])
        case .nxdomain: resolver.setAddresses(name, .a, .nxdomain)
        case .nodata: resolver.setAddresses(name, .a, .nodata)
        case .transient: resolver.setAddresses(name, .a, .transient(.serverFailure))
        case .deadline: resolver.setAddresses(name, .a, .found([ip(Forward.client)]), delay: forever)
        }
    }

    var expectedStatus: NameEvidence.Status {
        switch self {
        case .match: return .confirmed
        case .mismatch: return .mismatch
        case .nxdomain: return .nxdomain
        case .nodata: return .nodata
        case .transient: return .transient(.serverFailure)
        case .deadline: return .transient(.deadline)
        }
    }

    /// RFC 8601 §2.7.3 as the issue states it: any match passes; otherwise
    /// any incomplete lookup is temperror; otherwise fail.
    static func expectedVerdict(_ outcomes: [Forward]) -> IPRevResult {
        if outcomes.contains(.match) { return .pass }
        if outcomes.contains(.transient) || outcomes.contains(.deadline) { return .temperror }
        return .fail
    }
}

/// Every combination of forward outcomes for `count` PTR names.
func combinations(_ count: Int, of cases: [Forward] = Forward.allCases) -> [[Forward]] {
    var result: [[Forward]] = [[]]
    for _ in 0..<count {
        result = result.flatMap { prefix in cases.map { prefix + [$0] } }
    }
    return result
}

@Suite("Verdict precedence")
struct PrecedenceTests {
    func run(_ outcomes: [Forward]) async -> (FCrDNSResult, [Name]) {
        var resolver = ScriptedResolver()
        let names: [Name] = outcomes.indices.map { try! Name(parsing: "n\($0).example.test") }
        resolver.setPTR(for: ip(Forward.client), names)
        for (name, outcome) in zip(names, outcomes) { outcome.script(name, into: &resolver) }
        let timeout = outcomes.contains(.deadline) ? shortTimeout : .seconds(10)
        let result = await evaluate(resolver, Forward.client, options: FCrDNSOptions(timeout: timeout))
        return (result, names)
    }

    func check(_ outcomes: [Forward]) async {
        let (result, names) = await run(outcomes)
        let expected = Forward.expectedVerdict(outcomes)
        #expect(result.result == expected, "\(outcomes)")
        #expect(result.evidence.map(\.name) == names)
        #expect(result.evidence.map(\.status) == outcomes.map(\.expectedStatus), "\(outcomes)")
        switch result.verdict {
        case .pass(let confirmed):
            let matching = zip(names, outcomes).filter { $0.1 == .match }.map(\.0)
            #expect(confirmed.map(\.name) == matching)
            #expect(confirmed.allSatisfy { $0.address == ip(Forward.client) && $0.recordType == .a })
        case .fail(let checked):
            #expect(checked == names)
        case .temperror(.forwardLookups(let failed)):
            let incomplete = zip(names, outcomes).filter { $0.1 == .transient || $0.1 == .deadline }.map(\.0)
            #expect(failed.map(\.name) == incomplete)
        default:
            Issue.record("unexpected verdict \(result.verdict) for \(outcomes)")
        }
    }

    @Test("one PTR name", arguments: combinations(1))
    func oneName(_ outcomes: [Forward]) async { await check(outcomes) }

    @Test("two PTR names, every pair", arguments: combinations(2))
    func twoNames(_ outcomes: [Forward]) async { await check(outcomes) }

    @Test("three PTR names, every triple without deadline",
          arguments: combinations(3, of: [.match, .mismatch, .nxdomain, .nodata, .transient]))
    func threeNames(_ outcomes: [Forward]) async { await check(outcomes) }

    @Test("PTR outcome decides alone when there are no names",
          arguments: [
            (LookupOutcome<[Name]>.nxdomain, FCrDNSVerdict.permerror(.ptrNXDOMAIN)),
            (.nodata, .permerror(.ptrNODATA)),
            (.found([]), .permerror(.ptrNODATA)),
            (.transient(.serverFailure), .temperror(.ptrLookup(.serverFailure))),
            (.transient(.refused), .temperror(.ptrLookup(.refused))),
            (.transient(.timeout), .temperror(.ptrLookup(.timeout))),
            (.transient(.network("connection refused")), .temperror(.ptrLookup(.network("connection refused")))),
            (.transient(.malformed("CNAME loop")), .temperror(.ptrLookup(.malformed("CNAME loop")))),
          ])
    func ptrOutcomes(_ outcome: LookupOutcome<[Name]>, _ expected: FCrDNSVerdict) async {
        var resolver = ScriptedResolver()
        resolver.setPTR(ip("192.0.2.26").reverseName, outcome)
        let result = await evaluate(resolver, "192.0.2.26")
        #expect(result.verdict == expected)
        #expect(result.evidence.isEmpty)
        #expect(await resolver.log.calls == [Call(name: "26.2.0.192.in-addr.arpa.", type: .ptr)])
    }

    @Test func ptrLookupCutByDeadlineIsTemperror() async {
        var resolver = ScriptedResolver()
        resolver.setPTR(ip("192.0.2.26").reverseName, .found(["mail.example.test."]), delay: forever)
        resolver.setAddresses("mail.example.test.", .a, ["192.0.2.26"])
        let result = await evaluate(resolver, "192.0.2.26", options: FCrDNSOptions(timeout: shortTimeout))
        #expect(result.verdict == .temperror(.ptrLookup(.deadline)))
        #expect(await resolver.log.calls.count == 1)
    }

    @Test func ptrFoundWithSeveralNames() async {
        let (result, _) = await run([.mismatch, .nxdomain, .match, .nodata])
        #expect(result.result == .pass)
        #expect(result.confirmedNames.map(\.name) == ["n2.example.test."])
    }
}

@Suite("Verdict rules")
struct VerdictRuleTests {
    @Test("a confirming name passes although another timed out (Exim gets this wrong)")
    func passDespiteTransient() async {
        var resolver = ScriptedResolver()
        resolver.setPTR(for: ip("192.0.2.25"), ["slow.example.test.", "mail.example.test."])
        resolver.setAddresses("slow.example.test.", .a, .transient(.timeout))
        resolver.setAddresses("mail.example.test.", .a, ["192.0.2.25"])
        let result = await evaluate(resolver, "192.0.2.25")
        #expect(result.result == .pass)
        #expect(result.confirmedNames.map(\.name) == ["mail.example.test."])
        #expect(result.evidence[0].status == .transient(.timeout))
    }

    @Test("one mismatch and one transient is temperror, not fail")
    func mismatchPlusTransient() async {
        var resolver = ScriptedResolver()
        resolver.setPTR(for: ip("192.0.2.25"), ["a.example.test.", "b.example.test."])
        resolver.setAddresses("a.example.test.", .a, ["192.0.2.99"])
        resolver.setAddresses("b.example.test.", .a, .transient(.serverFailure))
        let result = await evaluate(resolver, "192.0.2.25")
        #expect(result.verdict == .temperror(.forwardLookups([
            .init(name: "b.example.test.", type: .a, failure: .serverFailure),
        ])))
        #expect(result.reason == "A lookup of b.example.test: SERVFAIL")
    }

    @Test("mismatch, NXDOMAIN and NODATA all complete: fail with evidence")
    func allCompletedNoMatch() async {
        var resolver = ScriptedResolver()
        resolver.setPTR(for: ip("192.0.2.26"), ["a.example.test.", "b.example.test.", "c.example.test."])
        resolver.setAddresses("a.example.test.", .a, ["192.0.2.99", "198.51.100.1"])
        resolver.setAddresses("b.example.test.", .a, .nxdomain)
        resolver.setAddresses("c.example.test.", .a, .nodata)
        let result = await evaluate(resolver, "192.0.2.26")
        #expect(result.verdict == .fail(checked: ["a.example.test.", "b.example.test.", "c.example.test."]))
        #expect(result.evidence.map(\.status) == [.mismatch, .nxdomain, .nodata])
        #expect(result.evidence[0].addresses == [ip("192.0.2.99"), ip("198.51.100.1")])
        #expect(result.reason == "no PTR name resolves to 192.0.2.26")
    }

    @Test("an empty address answer counts as NODATA")
    func emptyFoundIsNodata() async {
        var resolver = ScriptedResolver()
        resolver.setPTR(for: ip("192.0.2.26"), ["a.example.test."])
        resolver.setAddresses("a.example.test.", .a, .found([]))
        let result = await evaluate(resolver, "192.0.2.26")
        #expect(result.result == .fail)
        #expect(result.evidence[0].status == .nodata)
        #expect(result.evidence[0].lookups[0].outcome == .nodata)
    }

    @Test("names are deduplicated ignoring ASCII case; the first spelling is kept and queried")
    func dedupe() async {
        var resolver = ScriptedResolver()
        resolver.setPTR(for: ip("192.0.2.25"),
                        ["Mail.Example.TEST.", "mail.example.test.", "other.example.test.", "MAIL.example.test."])
        resolver.setAddresses("mail.example.test.", .a, ["192.0.2.25"])
        resolver.setAddresses("other.example.test.", .a, ["192.0.2.99"])
        let result = await evaluate(resolver, "192.0.2.25")
        #expect(result.ptrNames.count == 2)
        #expect(result.ptrNames[0].isIdentical(to: "Mail.Example.TEST."))
        #expect(result.confirmedNames[0].name.isIdentical(to: "Mail.Example.TEST."))
        let forward = await resolver.log.calls.filter { $0.type == .a }
        #expect(forward.count == 2)
        #expect(forward.contains { $0.name.isIdentical(to: "Mail.Example.TEST.") })
        #expect(result.findings.contains(.duplicateNames(["mail.example.test.", "MAIL.example.test."])))
    }

    @Test("12 names with a limit of 10: 2 left out and said so; a confirming name among them is not checked")
    func cap() async {
        var resolver = ScriptedResolver()
        let names: [Name] = (1...12).map { try! Name(parsing: "n\($0).example.test") }
        resolver.setPTR(for: ip("192.0.2.26"), names)
        for name in names.prefix(10) { resolver.setAddresses(name, .a, ["198.51.100.1"]) }
        resolver.setAddresses(names[10], .a, ["192.0.2.26"])  // would confirm
        resolver.setAddresses(names[11], .a, ["192.0.2.26"])
        let result = await evaluate(resolver, "192.0.2.26")
        #expect(result.verdict == .fail(checked: Array(names.prefix(10))))
        #expect(result.namesLeftOut == Array(names.suffix(2)))
        #expect(result.evidence.suffix(2).allSatisfy { $0.status == .notChecked && $0.lookups.isEmpty })
        #expect(result.findings.contains(.namesLeftOut(Array(names.suffix(2)), limit: 10)))
        #expect(result.reason == "no PTR name resolves to 192.0.2.26; 2 PTR names over the limit of 10 not checked")
        let queried = await resolver.log.calls.map(\.name)
        #expect(!queried.contains(names[10]) && !queried.contains(names[11]))
        #expect(queried.count == 11)
    }

    @Test("a custom limit", arguments: [1, 3])
    func customCap(_ limit: Int) async {
        var resolver = ScriptedResolver()
        let names: [Name] = (1...4).map { try! Name(parsing: "n\($0).example.test") }
        resolver.setPTR(for: ip("192.0.2.25"), names)
        for name in names { resolver.setAddresses(name, .a, ["192.0.2.25"]) }
        let result = await evaluate(resolver, "192.0.2.25", options: FCrDNSOptions(maxNames: limit))
        #expect(result.confirmedNames.map(\.name) == Array(names.prefix(limit)))
        #expect(result.namesLeftOut.count == 4 - limit)
    }

    @Test("strict mode discards invalid names; none left is permerror")
    func strictNoneLeft() async {
        var resolver = ScriptedResolver()
        let spaced = rawName([Array("bad name".utf8), Array("example".utf8), Array("test".utf8)])
        resolver.setPTR(for: ip("192.0.2.7"), ["192.0.2.7.", spaced, "7.2.0.192.in-addr.arpa.", "-x.example.test."])
        let result = await evaluate(resolver, "192.0.2.7", options: FCrDNSOptions(strict: true))
        #expect(result.verdict == .permerror(.noUsableNames(
            discarded: ["192.0.2.7.", spaced, "7.2.0.192.in-addr.arpa.", "-x.example.test."])))
        #expect(result.evidence.allSatisfy { $0.status == .discarded })
        #expect(result.evidence.map(\.problem) == [.numeric, .invalidOctet(0x20), .reverseTree, .leadingHyphen])
        #expect(await resolver.log.calls.count == 1)  // the PTR lookup only
        #expect(result.reason == "no usable PTR name: 4 invalid host names discarded")
        #expect(result.exitCode == 2)
    }

    @Test("strict mode looks up only the valid names")
    func strictSomeLeft() async {
        var resolver = ScriptedResolver()
        resolver.setPTR(for: ip("192.0.2.7"), ["192.0.2.7.", "mail.example.test."])
        resolver.setAddresses("192.0.2.7.", .a, ["192.0.2.7"])
        resolver.setAddresses("mail.example.test.", .a, ["192.0.2.7"])
        let strict = await evaluate(resolver, "192.0.2.7", options: FCrDNSOptions(strict: true))
        #expect(strict.confirmedNames.map(\.name) == ["mail.example.test."])
        #expect(strict.evidence[0].status == .discarded)
        #expect(await resolver.log.calls.filter { $0.type == .a }.map(\.name) == ["mail.example.test."])
    }

    @Test("strict: discarded names do not count toward the cap")
    func strictAndCap() async {
        var resolver = ScriptedResolver()
        resolver.setPTR(for: ip("192.0.2.7"), ["192.0.2.7.", "mail.example.test."])
        resolver.setAddresses("mail.example.test.", .a, ["192.0.2.7"])
        let result = await evaluate(resolver, "192.0.2.7", options: FCrDNSOptions(maxNames: 1, strict: true))
        #expect(result.result == .pass)
        #expect(result.namesLeftOut.isEmpty)
    }

    @Test("a label holding a dot, a space or 0xFF reaches lookupAddresses byte for byte")
    func oddOctetsReachForwardLookup() async {
        let odd = rawName([[UInt8(ascii: "a"), UInt8(ascii: "."), UInt8(ascii: "b")],
                           [UInt8(ascii: "c"), 0x20, 0xFF, UInt8(ascii: "D")],
                           Array("example".utf8), Array("test".utf8)])
        let mixedCase: Name = "MaIl.ExAmPlE.test."
        var resolver = ScriptedResolver()
        resolver.setPTR(for: ip("192.0.2.25"), [odd, mixedCase])
        resolver.setAddresses(odd, .a, ["192.0.2.25"])
        resolver.setAddresses(mixedCase, .a, ["192.0.2.99"])
        let result = await evaluate(resolver, "192.0.2.25")
        let calls = await resolver.log.calls.filter { $0.type == .a }
        #expect(calls.count == 2)
        #expect(calls.contains { $0.name.wireBytes == odd.wireBytes })
        #expect(calls.contains { $0.name.wireBytes == mixedCase.wireBytes })
        #expect(result.confirmedNames.map(\.name.wireBytes) == [odd.wireBytes])
        #expect(result.findings.contains(.invalidHostName(odd, .invalidOctet(UInt8(ascii: ".")))))
    }

    @Test("an IP-literal PTR target is looked up as a name, never read as an address")
    func numericTargetNotParsed() async {
        var resolver = ScriptedResolver()
        resolver.setPTR(for: ip("192.0.2.7"), ["192.0.2.7."])
        resolver.setAddresses("192.0.2.7.", .a, .nxdomain)
        let result = await evaluate(resolver, "192.0.2.7")
        #expect(result.result == .fail)
        #expect(result.findings.contains(.numericName("192.0.2.7.")))
        #expect(await resolver.log.calls == [Call(name: "7.2.0.192.in-addr.arpa.", type: .ptr),
                                             Call(name: "192.0.2.7.", type: .a)])

        resolver.setAddresses("192.0.2.7.", .a, ["192.0.2.7"])
        let confirmed = await evaluate(resolver, "192.0.2.7")
        #expect(confirmed.result == .pass)
        #expect(confirmed.findings.contains(.numericName("192.0.2.7.")))
    }

    @Test("an IPv4-mapped client is evaluated as IPv4")
    func mappedClient() async {
        var resolver = ScriptedResolver()
        resolver.setPTR("25.2.0.192.in-addr.arpa.", .found(["mail.example.test."]))
        resolver.setAddresses("mail.example.test.", .a, ["192.0.2.25"])
        let result = await evaluate(resolver, "::ffff:192.0.2.25")
        #expect(result.result == .pass)
        #expect(result.ip == ip("192.0.2.25"))
        #expect(result.originalIP == ip("::ffff:192.0.2.25"))
        #expect(result.reverseName == "25.2.0.192.in-addr.arpa.")
        #expect(await resolver.log.calls == [Call(name: "25.2.0.192.in-addr.arpa.", type: .ptr),
                                             Call(name: "mail.example.test.", type: .a)])
        #expect(result.findings.contains(.ipv4MappedClient(IPv6Address("::ffff:192.0.2.25")!)))
        #expect(result.authenticationResults == "iprev=pass (mail.example.test) policy.iprev=192.0.2.25")
    }

    @Test("an IPv6 client is confirmed by AAAA only")
    func ipv6Client() async {
        var resolver = ScriptedResolver()
        let client = ip("2001:db8::25")
        resolver.setPTR(for: client, ["mail6.example.test."])
        resolver.setAddresses("mail6.example.test.", .aaaa, ["2001:db8:0:0:0:0:0:25"])
        let result = await evaluate(resolver, "2001:db8::25")
        #expect(result.result == .pass)
        #expect(result.confirmedNames.first?.recordType == .aaaa)
        let calls = await resolver.log.calls
        #expect(calls.map(\.type) == [.ptr, .aaaa])
        #expect(calls[0].name == client.reverseName)
    }

    @Test("an IPv6 client's name with only A records fails")
    func ipv6ClientWithARecordOnly() async {
        var resolver = ScriptedResolver()
        resolver.setPTR(for: ip("2001:db8::25"), ["mail6.example.test."])
        resolver.setAddresses("mail6.example.test.", .aaaa, .nodata)
        resolver.setAddresses("mail6.example.test.", .a, ["192.0.2.25"])
        let result = await evaluate(resolver, "2001:db8::25")
        #expect(result.result == .fail)
    }

    @Test("forward types .both: A and AAAA for every name")
    func bothTypes() async {
        var resolver = ScriptedResolver()
        resolver.setPTR(for: ip("192.0.2.25"), ["mail.example.test."])
        resolver.setAddresses("mail.example.test.", .a, .nodata)
        resolver.setAddresses("mail.example.test.", .aaaa, ["2001:db8::1"])
        let options = FCrDNSOptions(forwardTypes: .both)
        let fail = await evaluate(resolver, "192.0.2.25", options: options)
        #expect(fail.result == .fail)
        #expect(fail.evidence[0].status == .mismatch)
        #expect(fail.evidence[0].lookups.map(\.type) == [.a, .aaaa])
        #expect(Set(await resolver.log.calls.map(\.type)) == [.ptr, .a, .aaaa])

        // An IPv4-mapped AAAA record is compared as IPv4.
        resolver.setAddresses("mail.example.test.", .aaaa, ["::ffff:192.0.2.25"])
        let pass = await evaluate(resolver, "192.0.2.25", options: options)
        #expect(pass.result == .pass)
        #expect(pass.confirmedNames.first?.recordType == .aaaa)

        // A transient AAAA failure keeps an unmatched name from "fail".
        resolver.setAddresses("mail.example.test.", .a, ["192.0.2.99"])
        resolver.setAddresses("mail.example.test.", .aaaa, .transient(.serverFailure))
        let temp = await evaluate(resolver, "192.0.2.25", options: options)
        #expect(temp.verdict == .temperror(.forwardLookups([
            .init(name: "mail.example.test.", type: .aaaa, failure: .serverFailure),
        ])))

        // NXDOMAIN for both is nxdomain; NXDOMAIN and NODATA is nodata.
        resolver.setAddresses("mail.example.test.", .a, .nxdomain)
        resolver.setAddresses("mail.example.test.", .aaaa, .nxdomain)
        #expect(await evaluate(resolver, "192.0.2.25", options: options).evidence[0].status == .nxdomain)
        resolver.setAddresses("mail.example.test.", .aaaa, .nodata)
        #expect(await evaluate(resolver, "192.0.2.25", options: options).evidence[0].status == .nodata)
    }

    @Test("a forward lookup that sleeps past the deadline is transient: temperror")
    func forwardDeadline() async {
        var resolver = ScriptedResolver()
        resolver.setPTR(for: ip("192.0.2.25"), ["slow.example.test.", "other.example.test."])
        resolver.setAddresses("slow.example.test.", .a, .found([ip("192.0.2.25")]), delay: forever)
        resolver.setAddresses("other.example.test.", .a, ["192.0.2.99"])
        let result = await evaluate(resolver, "192.0.2.25", options: FCrDNSOptions(timeout: shortTimeout))
        #expect(result.verdict == .temperror(.forwardLookups([
            .init(name: "slow.example.test.", type: .a, failure: .deadline),
        ])))
        #expect(result.evidence.map(\.status) == [.transient(.deadline), .mismatch])
    }

    @Test("forward lookups run concurrently under one shared deadline")
    func concurrentLookups() async {
        // Four lookups of 2 s each fit a 6 s deadline only together (8 s one
        // after the other). The 4 s of slack are for two loaded cores: the whole
        // suite in parallel has kept the cooperative threads busy for seconds.
        var resolver = ScriptedResolver()
        let names: [Name] = (1...4).map { try! Name(parsing: "n\($0).example.test") }
        resolver.setPTR(for: ip("192.0.2.25"), names)
        for name in names.dropLast() {
            resolver.setAddresses(name, .a, .found([ip("192.0.2.99")]), delay: .seconds(2))
        }
        resolver.setAddresses(names[3], .a, .found([ip("192.0.2.25")]), delay: .seconds(2))
        let result = await evaluate(resolver, "192.0.2.25", options: FCrDNSOptions(timeout: .seconds(6)))
        #expect(result.result == .pass)
        #expect(result.evidence.map(\.status) == [.mismatch, .mismatch, .mismatch, .confirmed])
    }

    @Test("a cancelled evaluation ends with temperror, not a hang")
    func cancelled() async {
        var resolver = ScriptedResolver()
        resolver.setPTR(ip("192.0.2.25").reverseName, .found(["mail.example.test."]), delay: forever)
        let task = Task { await evaluate(resolver, "192.0.2.25") }
        try? await Task.sleep(for: .milliseconds(20))
        task.cancel()
        let result = await task.value
        #expect(result.verdict == .temperror(.ptrLookup(.cancelled)))
    }

    @Test("an RFC 2317 CNAME on the PTR side is kept in the result")
    func classlessReverse() async {
        var resolver = ScriptedResolver()
        let chain: [Name] = ["25.2.0.192.in-addr.arpa.", "25.0/26.2.0.192.in-addr.arpa."]
        resolver.setPTR("25.2.0.192.in-addr.arpa.", .found(["mail.example.test."]), cnameChain: chain)
        resolver.setAddresses("mail.example.test.", .a, ["192.0.2.25"])
        let result = await evaluate(resolver, "192.0.2.25")
        #expect(result.result == .pass)
        #expect(result.ptrCNAMEChain == chain)
        #expect(result.json.contains(#""cname_chain":["25.2.0.192.in-addr.arpa.","25.0/26.2.0.192.in-addr.arpa."]"#))
    }

    @Test("a PTR target that is an alias still confirms, and is flagged")
    func aliasTarget() async {
        var resolver = ScriptedResolver()
        resolver.setPTR(for: ip("192.0.2.25"), ["alias.example.test."])
        resolver.setAddresses("alias.example.test.", .a, .found([ip("192.0.2.25")]),
                              cnameChain: ["alias.example.test.", "real.example.test."])
        let result = await evaluate(resolver, "192.0.2.25")
        #expect(result.result == .pass)
        #expect(result.confirmedNames[0].cnameChain == ["alias.example.test.", "real.example.test."])
        #expect(result.findings.contains(.aliasTarget("alias.example.test.", canonical: "real.example.test.")))
    }

    @Test("the trace holds every query, PTR first, ordered by start")
    func trace() async {
        var resolver = ScriptedResolver()
        resolver.setPTR(for: ip("192.0.2.25"), ["a.example.test.", "b.example.test."])
        resolver.setAddresses("a.example.test.", .a, .nxdomain)
        resolver.setAddresses("b.example.test.", .a, ["192.0.2.25"])
        let result = await evaluate(resolver, "192.0.2.25")
        #expect(result.trace.count == 3)
        #expect(result.trace[0].type == .ptr)
        #expect(result.trace[0].outcome == .response(.noError, answerCount: 1))
        #expect(Set(result.trace.dropFirst().map(\.name)) == ["a.example.test.", "b.example.test."])
        #expect(zip(result.trace, result.trace.dropFirst()).allSatisfy { $0.start <= $1.start })
        #expect(result.trace.contains { $0.outcome == .response(.nxDomain, answerCount: 0) })
    }

    @Test("diagnostics see each step")
    func diagnostics() async {
        var resolver = ScriptedResolver()
        resolver.setPTR(for: ip("192.0.2.25"), ["mail.example.test."])
        resolver.setAddresses("mail.example.test.", .a, ["192.0.2.25"])
        let events = EventLog()
        _ = await FCrDNSEvaluator(resolver: resolver).evaluate(ip: ip("192.0.2.25")) { event in
            events.append(event.description)
        }
        #expect(events.lines == [
            "PTR 25.2.0.192.in-addr.arpa.: found mail.example.test.",
            "checking 1 name(s); 0 over the limit, 0 discarded, 0 duplicate(s)",
            "A mail.example.test.: found 192.0.2.25",
            "verdict pass",
        ])
    }
}

/// A thread-safe line collector for the diagnostics callback.
final class EventLog: Sendable {
    private let storage = Mutex<[String]>([])
    func append(_ line: String) { storage.withLock { $0.append(line) } }
    var lines: [String] { storage.withLock { $0 } }
}
