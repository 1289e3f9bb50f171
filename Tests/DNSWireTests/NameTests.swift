import DNSWire
import Testing

@Suite("Names")
struct NameTests {
    @Test(arguments: [
        ("mail.example.test", "mail.example.test."),
        ("mail.example.test.", "mail.example.test."),
        (".", "."),
        ("a\\.b.test", "a\\.b.test."),
        ("back\\\\slash.test", "back\\\\slash.test."),
        ("sp\\032ace.test", "sp\\032ace.test."),
        ("sp\\ ace.test", "sp\\032ace.test."),
        ("\\255\\000.test", "\\255\\000.test."),
        ("semi\\;colon.test", "semi\\;colon.test."),
        ("quote\\\".test", "quote\\\".test."),
        ("Mixed.CASE.Test", "Mixed.CASE.Test."),
        ("128/25.2.0.192.in-addr.arpa", "128/25.2.0.192.in-addr.arpa."),
        ("_smtp._tcp.example.test", "_smtp._tcp.example.test."),
    ])
    func presentationRoundTrips(input: String, expected: String) throws {
        let name = try Name(parsing: input)
        #expect(name.description == expected)
        #expect(try Name(parsing: name.description).isIdentical(to: name))
    }

    @Test func escapesProduceTheRightOctets() throws {
        let name = try Name(parsing: "a\\.b\\032\\255.test.")
        #expect(name.labels.map(Array.init) == [[97, 46, 98, 32, 255], Array("test".utf8)])
        #expect(name.labelCount == 2)
    }

    @Test(arguments: [
        ("", NameError.empty),
        ("a..b", NameError.emptyLabel),
        (".a", NameError.emptyLabel),
        ("a\\", NameError.invalidEscape(at: 1)),
        ("a\\25", NameError.invalidEscape(at: 1)),
        ("a\\256", NameError.invalidEscape(at: 1)),
        (String(repeating: "x", count: 64) + ".test", NameError.labelTooLong(64)),
        (Array(repeating: String(repeating: "x", count: 63), count: 4).joined(separator: "."), NameError.nameTooLong),
    ])
    func badPresentationIsRejected(input: String, error: NameError) {
        #expect(throws: error) { try Name(parsing: input) }
    }

    @Test func comparisonIgnoresASCIICaseOnly() throws {
        let a = try Name(parsing: "Mail.EXAMPLE.test")
        let b = try Name(parsing: "mail.example.TEST.")
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(!a.isIdentical(to: b))
        #expect(a.description == "Mail.EXAMPLE.test.")  // case preserved
        // Non-ASCII octets are not folded: \196 (Ä in Latin-1) ≠ \228 (ä).
        #expect(try Name(parsing: "\\196.test") != Name(parsing: "\\228.test"))
        // '@' (0x40) and '`' (0x60) differ by the case bit but are not letters.
        #expect(try Name(parsing: "\\@.test") != Name(parsing: "`.test"))
        #expect(Set([a, b]).count == 1)
    }

    @Test func subdomainAndParent() throws {
        let name: Name = "mail.Example.test."
        #expect(name.isSubdomain(of: "example.TEST."))
        #expect(name.isSubdomain(of: .root))
        #expect(name.isSubdomain(of: name))
        #expect(!name.isSubdomain(of: "ample.test."))  // not on a label boundary
        #expect(name.parent == "example.test.")
        #expect(Name.root.parent == .root)
        #expect(try name.droppingFirstLabels(1).prepending(label: Array("www".utf8)) == "www.example.test.")
        #expect(try Name(parsing: "a").appending("b.c.") == "a.b.c.")
    }

    @Test func wireFormValidation() throws {
        #expect(try Name(wire: [1, 97, 0]) == "a.")
        #expect(throws: DNSDecodeError.compressionNotAllowed(at: 0)) { try Name(wire: [0xC0, 12]) }
        #expect(throws: DNSDecodeError.truncated(at: 2)) { try Name(wire: [1, 97]) }
        #expect(throws: DNSDecodeError.trailingBytes(at: 3)) { try Name(wire: [1, 97, 0, 0]) }
    }

    @Test func labelsMayHoldAnyOctet() throws {
        let name = try Name(labels: [[0x2E, 0x20, 0xFF], Array("test".utf8)])
        #expect(name.description == "\\.\\032\\255.test.")
        #expect(try Name(parsing: name.description).isIdentical(to: name))
        #expect(throws: NameError.emptyLabel) { try Name(labels: [[UInt8]()]) }
    }
}
