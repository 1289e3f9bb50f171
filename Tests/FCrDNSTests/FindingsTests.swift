import DNSWire
import Testing
@testable import FCrDNS

@Suite("Generic-name heuristics")
struct GenericNameTests {
    /// (name, client, expected signals); an empty list means "not generic".
    static let cases: [(String, String, [GenericNameSignal])] = [
        // Positive.
        ("dyn-192-0-2-50.pool.example.test.", "192.0.2.50",
         [.clientAddress(.octets), .keyword("dyn"), .keyword("pool")]),
        ("192-0-2-41.example.test.", "192.0.2.41", [.clientAddress(.octets)]),
        ("192-000-002-041.example.test.", "192.0.2.41", [.clientAddress(.octets)]),
        ("41-2-0-192.example.test.", "192.0.2.41", [.clientAddress(.reversedOctets)]),
        ("41.2.0.192.dynamic.example.test.", "192.0.2.41", [.clientAddress(.reversedOctets), .keyword("dynamic")]),
        ("host-192.0.2.41.example.test.", "192.0.2.41", [.clientAddress(.octets), .keyword("host")]),
        ("ip192-0-2-41.example.test.", "192.0.2.41", [.clientAddress(.octets), .keyword("ip")]),
        ("c-192-0-2-41.hsd1.example.co.uk.", "192.0.2.41", [.clientAddress(.octets)]),
        ("c0000229.example.test.", "192.0.2.41", [.clientAddress(.hex)]),
        ("C0000229.example.test.", "192.0.2.41", [.clientAddress(.hex)]),
        ("host192000002041.example.test.", "192.0.2.41", [.clientAddress(.decimal), .keyword("host")]),
        ("u3221226025.example.test.", "192.0.2.41", [.clientAddress(.decimal)]),
        ("adsl-10-1-2-3.example.test.", "192.0.2.41", [.ipv4LikeNumbers, .keyword("adsl")]),
        ("dhcp.example.co.uk.", "192.0.2.41", [.keyword("dhcp")]),
        ("ppp41.cable.example.test.", "192.0.2.41", [.keyword("ppp"), .keyword("cable")]),
        ("customer-2-41.example.test.", "192.0.2.41", [.keyword("customer")]),
        ("2001-db8-0-0-0-0-0-41.example.test.", "2001:db8::41", [.clientAddress(.ipv6Groups)]),
        ("cpe-0-0-0-41.broadband.example.test.", "2001:db8::41",
         [.clientAddress(.ipv6Groups), .keyword("broadband")]),
        ("x00000000000000041.example.test.", "2001:db8::41", []),  // 17 digits: not the interface id
        ("0000000000000041.example.test.", "2001:db8::41", [.clientAddress(.ipv6Hex)]),
        ("1.4.0.0.0.0.0.0.0.0.0.0.0.0.0.0.example.test.", "2001:db8::41", [.ipv6Nibbles]),
        // Negative.
        ("mail.example.test.", "192.0.2.41", []),
        ("mx1.example.test.", "192.0.2.41", []),
        ("smtp-out-192-0-2-41.example.test.", "192.0.2.41", []),
        ("static-192-0-2-41.example.test.", "192.0.2.41", []),
        ("outbound1.dyn.example.test.", "192.0.2.41", []),
        ("relay.dsl.example.test.", "192.0.2.41", []),
        ("example.test.", "192.0.2.41", []),
        ("host.example.test.", "192.0.2.41", []),
        ("www.example.test.", "192.0.2.41", []),
        ("server1.example.co.uk.", "192.0.2.41", []),
        ("mailpool.example.test.", "192.0.2.41", []),
        ("ns1.dynect.example.test.", "192.0.2.41", []),
        ("a192.example.test.", "192.0.2.41", []),
        ("www.192-0-2-41.test.", "192.0.2.41", []),  // the number is in the registrable domain
        ("web-2001-2002.example.test.", "192.0.2.41", []),
        ("1.2.3.example.test.", "192.0.2.41", []),  // three numbers only
    ]

    @Test("signals", arguments: cases)
    func signals(_ name: String, _ client: String, _ expected: [GenericNameSignal]) throws {
        let parsed = try Name(parsing: name)
        #expect(GenericNameHeuristics.signals(for: parsed, client: ip(client)) == expected, "\(name)")
    }

    @Test func evaluatorReportsGenericNames() async {
        var resolver = ScriptedResolver()
        resolver.setPTR(for: ip("192.0.2.50"), ["dyn-192-0-2-50.pool.example.test.", "mail.example.test."])
        resolver.setAddresses("dyn-192-0-2-50.pool.example.test.", .a, ["192.0.2.50"])
        resolver.setAddresses("mail.example.test.", .a, ["192.0.2.50"])
        let result = await evaluate(resolver, "192.0.2.50")
        #expect(result.result == .pass)
        let generic = result.findings.filter { $0.code == "generic_name" }
        #expect(generic == [.genericName("dyn-192-0-2-50.pool.example.test.",
                                         [.clientAddress(.octets), .keyword("dyn"), .keyword("pool")])])
    }
}

@Suite("Registrable domains")
struct RegistrableDomainTests {
    @Test("heuristic", arguments: [
        ("mail.example.test.", "example.test."),
        ("MX.Example.Co.UK.", "Example.Co.UK."),
        ("a.b.example.com.au.", "example.com.au."),
        ("example.uk.", "example.uk."),
        ("x.co.uk.", "x.co.uk."),
        ("a.example.io.", "example.io."),
        ("a.b.example.co.test.", "co.test."),  // "test" is not a two-letter code
        ("a.example.NET.br.", "example.NET.br."),  // the listed second level, any case
        ("a.example.co0.uk.", "co0.uk."),  // not a listed second level
        ("a.example.abcdefgh.uk.", "abcdefgh.uk."),  // longer than any listed one
        ("a.example.co.u2.", "co.u2."),  // not a country code
        ("co.uk.", "co.uk."),
        ("localhost.", "localhost."),
    ])
    func heuristic(_ name: String, _ expected: String) throws {
        let domain = RegistrableDomain.of(try Name(parsing: name))
        #expect(domain.isIdentical(to: try Name(parsing: expected)))
    }

    @Test func severalDomainsFlagged() async {
        var resolver = ScriptedResolver()
        resolver.setPTR(for: ip("192.0.2.25"), ["mail.example.test.", "mx.other.test.", "smtp.EXAMPLE.test."])
        for name: Name in ["mail.example.test.", "mx.other.test.", "smtp.EXAMPLE.test."] {
            resolver.setAddresses(name, .a, ["192.0.2.25"])
        }
        let result = await evaluate(resolver, "192.0.2.25")
        #expect(result.findings.contains(.multipleRegistrableDomains(["example.test.", "other.test."])))
    }

    @Test func oneDomainNotFlagged() async {
        var resolver = ScriptedResolver()
        resolver.setPTR(for: ip("192.0.2.25"), ["a.example.co.uk.", "b.example.co.uk.", "192.0.2.25."])
        for name: Name in ["a.example.co.uk.", "b.example.co.uk.", "192.0.2.25."] {
            resolver.setAddresses(name, .a, ["192.0.2.25"])
        }
        let result = await evaluate(resolver, "192.0.2.25")
        #expect(!result.findings.contains { $0.code == "multiple_registrable_domains" })
    }
}

@Suite("Host-name validity")
struct HostNameTests {
    @Test("problems", arguments: [
        ("mail.example.test." as Name, HostNameProblem?.none),
        ("mail_1.example.test.", nil),
        ("123.example.test.", nil),
        ("host.123.", nil),
        ("-mail.example.test.", .leadingHyphen),
        ("mail-.example.test.", .trailingHyphen),
        ("mail\\032x.example.test.", .invalidOctet(0x20)),
        ("mail\\255.example.test.", .invalidOctet(0xFF)),
        ("a\\.b.example.test.", .invalidOctet(UInt8(ascii: "."))),
        ("a\\(b\\).example.test.", .invalidOctet(UInt8(ascii: "("))),
        ("192.0.2.7.", .numeric),
        ("7.", .numeric),
        ("7.2.0.192.in-addr.arpa.", .reverseTree),
        ("x.ip6.arpa.", .reverseTree),
        ("IN-ADDR.ARPA.", .reverseTree),
        (".", .root),
    ] as [(Name, HostNameProblem?)])
    func problems(_ name: Name, _ expected: HostNameProblem?) {
        #expect(HostNameCheck.problem(of: name) == expected, "\(name)")
    }

    @Test func findingsForInvalidNamesInNonStrictMode() async {
        var resolver = ScriptedResolver()
        resolver.setPTR(for: ip("192.0.2.25"), ["192.0.2.25.", "25.2.0.192.in-addr.arpa.", "bad-.example.test."])
        resolver.setAddresses("192.0.2.25.", .a, .nxdomain)
        resolver.setAddresses("25.2.0.192.in-addr.arpa.", .a, .nodata)
        resolver.setAddresses("bad-.example.test.", .a, ["192.0.2.25"])
        let result = await evaluate(resolver, "192.0.2.25")
        #expect(result.result == .pass)  // non-strict: still looked up and confirming
        #expect(result.findings.contains(.numericName("192.0.2.25.")))
        #expect(result.findings.contains(.reverseTreeName("25.2.0.192.in-addr.arpa.")))
        #expect(result.findings.contains(.invalidHostName("bad-.example.test.", .trailingHyphen)))
        #expect(result.evidence.map(\.problem) == [.numeric, .reverseTree, .trailingHyphen])
    }
}

@Suite("Special-use addresses")
struct SpecialUseTests {
    @Test("ranges", arguments: [
        ("0.1.2.3", "0.0.0.0/8"),
        ("10.1.2.3", "10.0.0.0/8"),
        ("100.64.0.1", "100.64.0.0/10"),
        ("100.127.255.255", "100.64.0.0/10"),
        ("100.128.0.1", nil),
        ("127.0.0.1", "127.0.0.0/8"),
        ("169.254.1.1", "169.254.0.0/16"),
        ("172.16.0.1", "172.16.0.0/12"),
        ("172.31.255.255", "172.16.0.0/12"),
        ("172.32.0.1", nil),
        ("192.0.0.8", "192.0.0.0/24"),
        ("192.0.2.1", "192.0.2.0/24"),
        ("192.88.99.1", "192.88.99.0/24"),
        ("192.168.1.1", "192.168.0.0/16"),
        ("198.18.0.1", "198.18.0.0/15"),
        ("198.19.255.255", "198.18.0.0/15"),
        ("198.20.0.1", nil),
        ("198.51.100.1", "198.51.100.0/24"),
        ("203.0.113.1", "203.0.113.0/24"),
        ("224.0.0.1", "224.0.0.0/4"),
        ("240.0.0.1", "240.0.0.0/4"),
        ("255.255.255.255", "255.255.255.255/32"),
        ("8.8.8.8", nil),
        ("::", "::/128"),
        ("::1", "::1/128"),
        ("::2", nil),
        ("64:ff9b::192.0.2.1", "64:ff9b::/96"),
        ("100::1", "100::/64"),
        ("100:0:0:1::1", nil),
        ("2001::1", "2001::/32"),
        ("2001:100::1", "2001::/23"),
        ("2001:200::1", nil),
        ("2001:db8::1", "2001:db8::/32"),
        ("2002::1", "2002::/16"),
        ("fc00::1", "fc00::/7"),
        ("fd12:3456::1", "fc00::/7"),
        ("fe80::1", "fe80::/10"),
        ("febf::1", "fe80::/10"),
        ("fec0::1", nil),
        ("ff02::1", "ff00::/8"),
        ("2a00:1450::1", nil),
        ("::ffff:10.0.0.1", "10.0.0.0/8"),  // normalised first
    ] as [(String, String?)])
    func ranges(_ address: String, _ prefix: String?) {
        #expect(SpecialUseRange.containing(ip(address))?.prefix == prefix, "\(address)")
    }

    @Test func evaluatorFlagsButStillEvaluates() async {
        var resolver = ScriptedResolver()
        resolver.setPTR(for: ip("10.1.2.3"), ["host.example.test."])
        resolver.setAddresses("host.example.test.", .a, ["10.1.2.3"])
        let result = await evaluate(resolver, "10.1.2.3")
        #expect(result.result == .pass)
        #expect(result.findings.contains { finding in
            if case .specialUseAddress(let range) = finding { return range.prefix == "10.0.0.0/8" }
            return false
        })
    }
}

@Suite("HELO alignment")
struct HELOTests {
    /// Client 192.0.2.25; PTR names mail.example.test (confirms) and
    /// other.example.test (does not).
    static let cases: [(String, HELOFinding)] = [
        ("mail.example.test", .matchesConfirmedName("mail.example.test.")),
        ("MAIL.Example.Test.", .matchesConfirmedName("MAIL.Example.Test.")),
        ("other.example.test", .matchesUnconfirmedName("other.example.test.")),
        ("else.example.test", .mismatch("else.example.test.")),
        ("[192.0.2.25]", .addressLiteral(ip("192.0.2.25"), matchesClient: true)),
        ("[192.0.2.99]", .addressLiteral(ip("192.0.2.99"), matchesClient: false)),
        ("[IPv6:2001:db8::1]", .addressLiteral(ip("2001:db8::1"), matchesClient: false)),
        ("[ipv6:::ffff:192.0.2.25]", .addressLiteral(ip("::ffff:192.0.2.25"), matchesClient: true)),
        ("localhost", .notFullyQualified("localhost.")),
        ("DESKTOP-1234", .notFullyQualified("DESKTOP-1234.")),
        ("", .invalidSyntax),
        ("mail..example.test", .invalidSyntax),
        (".", .invalidSyntax),
        ("[192.0.2.256]", .invalidSyntax),
        ("[mail.example.test]", .invalidSyntax),
        ("[IPv6:192.0.2.25]", .invalidSyntax),
        ("[]", .invalidSyntax),
        ("[192.0.2.25", .invalidSyntax),
        ("mail example.test", .invalidSyntax),
        ("mail.example.test ", .invalidSyntax),
        ("192.0.2.25", .invalidSyntax),
        ("mail\\.example.test", .invalidSyntax),
        ("bad-.example.test", .invalidSyntax),
    ]

    @Test("alignment", arguments: cases)
    func alignment(_ helo: String, _ expected: HELOFinding) async {
        var resolver = ScriptedResolver()
        resolver.setPTR(for: ip("192.0.2.25"), ["mail.example.test.", "other.example.test."])
        resolver.setAddresses("mail.example.test.", .a, ["192.0.2.25"])
        resolver.setAddresses("other.example.test.", .a, ["192.0.2.99"])
        let result = await evaluate(resolver, "192.0.2.25", helo: helo)
        #expect(result.result == .pass)
        #expect(result.heloFinding == expected, "\(helo)")
        #expect(result.helo == helo)
    }

    @Test func noHELONoFinding() async {
        var resolver = ScriptedResolver()
        resolver.setPTR(ip("192.0.2.25").reverseName, .nxdomain)
        let result = await evaluate(resolver, "192.0.2.25")
        #expect(result.heloFinding == nil)
    }

    @Test func heloWithoutPTRNames() async {
        var resolver = ScriptedResolver()
        resolver.setPTR(ip("192.0.2.25").reverseName, .nxdomain)
        let result = await evaluate(resolver, "192.0.2.25", helo: "mail.example.test")
        #expect(result.heloFinding == .mismatch("mail.example.test."))
        #expect(result.result == .permerror)
    }

    @Test func heloMatchingNameOverCap() async {
        var resolver = ScriptedResolver()
        resolver.setPTR(for: ip("192.0.2.25"), ["a.example.test.", "b.example.test."])
        resolver.setAddresses("a.example.test.", .a, ["192.0.2.99"])
        let result = await evaluate(resolver, "192.0.2.25", helo: "b.example.test",
                                    options: FCrDNSOptions(maxNames: 1))
        #expect(result.heloFinding == .matchesUnconfirmedName("b.example.test."))
    }
}
