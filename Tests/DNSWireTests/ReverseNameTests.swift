import DNSWire
import Testing

@Suite("IP addresses and reverse names")
struct ReverseNameTests {
    // Good IPv4 and IPv6 text forms with their canonical output (RFC 5952 for IPv6).
    @Test(arguments: [
        ("192.0.2.1", "192.0.2.1"),
        ("0.0.0.0", "0.0.0.0"),
        ("255.255.255.255", "255.255.255.255"),
        ("::", "::"),
        ("::1", "::1"),
        ("2001:db8::25", "2001:db8::25"),
        ("2001:DB8:0:0:0:0:0:25", "2001:db8::25"),
        ("2001:0db8:0000:0000:0001:0000:0000:0001", "2001:db8::1:0:0:1"),
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
        ("1::", "1::"),
        ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
        ("::FFFF:c000:0201", "::ffff:192.0.2.1"),
        ("64:ff9b::192.0.2.33", "64:ff9b::c000:221"),
        ("1:2:3:4:5:6:192.0.2.1", "1:2:3:4:5:6:c000:201"),
        ("fe80:0:0:1:0:0:0:0", "fe80:0:0:1::"),
    ])
    func goodAddressesParseAndPrint(text: String, canonical: String) throws {
        let address = try IPAddress(parsing: text)
        #expect(address.description == canonical)
        #expect(try IPAddress(parsing: canonical) == address)
    }

    @Test(arguments: [
        ("", IPAddressParseError.empty),
        ("192.0.2", IPAddressParseError.wrongNumberOfParts),
        ("192.0.2.1.5", IPAddressParseError.invalidCharacter(at: 9)),
        ("192.0.2.256", IPAddressParseError.valueOutOfRange(at: 8)),
        ("192.0.02.1", IPAddressParseError.leadingZero(at: 6)),
        ("010.0.0.1", IPAddressParseError.leadingZero(at: 0)),
        ("192.0.2.-1", IPAddressParseError.invalidCharacter(at: 8)),
        (" 192.0.2.1", IPAddressParseError.invalidCharacter(at: 0)),
        ("192.0.2.1 ", IPAddressParseError.invalidCharacter(at: 9)),
        ("1.2.3.4x", IPAddressParseError.invalidCharacter(at: 7)),
        ("fe80::1%eth0", IPAddressParseError.zoneNotAllowed),
        ("1::2::3", IPAddressParseError.multipleDoubleColons),
        ("1:2:3:4:5:6:7", IPAddressParseError.wrongNumberOfParts),
        ("1:2:3:4:5:6:7:8:9", IPAddressParseError.wrongNumberOfParts),
        ("1:2:3:4:5:6:7:8::", IPAddressParseError.wrongNumberOfParts),
        ("12345::", IPAddressParseError.valueOutOfRange(at: 0)),
        (":1::", IPAddressParseError.invalidCharacter(at: 0)),
        ("1:", IPAddressParseError.wrongNumberOfParts),
        ("::1.2.3.4:5", IPAddressParseError.misplacedIPv4),
        ("::ffff:1.2.3.04", IPAddressParseError.leadingZero(at: 13)),
        ("g::1", IPAddressParseError.invalidCharacter(at: 0)),
    ])
    func badAddressesAreRejected(text: String, error: IPAddressParseError) {
        #expect(throws: error) { try IPAddress(parsing: text) }
    }

    @Test func mappedAddressesNormalise() throws {
        let mapped = try IPAddress(parsing: "::ffff:192.0.2.25")
        #expect(mapped.normalized == .v4(IPv4Address(192, 0, 2, 25)))
        #expect(try IPAddress(parsing: "2001:db8::1").normalized == IPAddress(parsing: "2001:db8::1"))
        #expect(IPv6Address(mapping: IPv4Address(192, 0, 2, 25)).ipv4Mapped == IPv4Address(192, 0, 2, 25))
    }

    @Test(arguments: [
        ("192.0.2.25", "25.2.0.192.in-addr.arpa."),
        ("0.0.0.0", "0.0.0.0.in-addr.arpa."),
        ("10.200.3.255", "255.3.200.10.in-addr.arpa."),
        ("2001:db8::25", "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."),
        ("::1", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa."),
        ("fedc:ba98:7654:3210:0123:4567:89ab:cdef",
         "f.e.d.c.b.a.9.8.7.6.5.4.3.2.1.0.0.1.2.3.4.5.6.7.8.9.a.b.c.d.e.f.ip6.arpa."),
    ])
    func reverseNamesBothWays(text: String, reverse: String) throws {
        let address = try IPAddress(parsing: text)
        #expect(address.reverseName.description == reverse)
        #expect(IPAddress(reverseName: try Name(parsing: reverse)) == address)
        // Case-insensitive on the way back.
        #expect(IPAddress(reverseName: try Name(parsing: reverse.uppercased())) == address)
    }

    @Test(arguments: [
        "2.0.192.in-addr.arpa.",                     // partial
        "1.25.2.0.192.in-addr.arpa.",                // five labels
        "130.128/25.2.0.192.in-addr.arpa.",          // RFC 2317 name
        "025.2.0.192.in-addr.arpa.",                 // leading zero
        "256.2.0.192.in-addr.arpa.",                 // out of range
        "x.2.0.192.in-addr.arpa.",
        "in-addr.arpa.",
        "example.test.",
        "8.b.d.0.1.0.0.2.ip6.arpa.",                 // partial nibbles
        "10.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
        "g.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
        "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",  // 33 nibbles
        "25.2.0.192.in-addr.arpa.example.",
    ])
    func malformedReverseNamesGiveNil(text: String) throws {
        #expect(IPAddress(reverseName: try Name(parsing: text)) == nil)
    }
}
