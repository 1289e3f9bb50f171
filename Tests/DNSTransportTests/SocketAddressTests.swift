import DNSTransport
import Testing

@Suite("SocketAddress")
struct SocketAddressTests {
    /// Text that parses, and how the address prints afterwards (default port 53).
    static let goodForms: [(String, String)] = [
        ("127.0.0.1", "127.0.0.1:53"),
        ("127.0.0.1:5353", "127.0.0.1:5353"),
        ("192.0.2.255:65535", "192.0.2.255:65535"),
        ("0.0.0.0:1", "0.0.0.0:1"),
        ("::1", "[::1]:53"),
        ("[::1]", "[::1]:53"),
        ("[::1]:5301", "[::1]:5301"),
        ("2001:db8::1", "[2001:db8::1]:53"),
        ("[2001:DB8:0:0:0:0:0:1]:853", "[2001:db8::1]:853"),
        ("::ffff:192.0.2.1", "[::ffff:192.0.2.1]:53"),
        // A bare IPv6 address cannot carry a port: "::1:53" is the address ::1:53.
        ("::1:53", "[::1:53]:53"),
        ("fe80::1%1", "[fe80::1%1]:53"),
        // RFC 5952 text: lowercase, longest zero run (first on a tie), no "::" for a single zero group.
        ("2001:0DB8:0000:0000:0001:0000:0000:0001", "[2001:db8::1:0:0:1]:53"),
        ("2001:db8:0:1:1:1:1:1", "[2001:db8:0:1:1:1:1:1]:53"),
        ("2001:db8:0:0:1:0:0:0", "[2001:db8:0:0:1::]:53"),
        ("::", "[::]:53"),
        ("1::", "[1::]:53"),
        ("::2:3:4:5:6:7:8", "[0:2:3:4:5:6:7:8]:53"),
        ("::1.2.3.4", "[::102:304]:53"),
        ("[fe80::1%7]:5353", "[fe80::1%7]:5353"),
    ]

    @Test("parses", arguments: goodForms)
    func parses(text: String, printed: String) {
        let address = SocketAddress(parsing: text)
        #expect(address?.description == printed)
    }

    /// Text that must not parse.
    static let badForms: [String] = [
        "", " ", "localhost", "1.2.3", "1.2.3.4.5", "256.1.1.1", "127.1", "0x7f.0.0.1", "1.2.3.04",
        " 127.0.0.1", "127.0.0.1 ", "127.0.0.1\0", "1.2.3.4:", "1.2.3.4:0", "1.2.3.4:65536", "1.2.3.4:+53",
        "1.2.3.4:-1", "1.2.3.4:053535", "1.2.3.4:abc", "1.2.3.4%lo", "[::1", "[::1]:", "[::1]x", "[::1]:99999",
        "[1.2.3.4]:53", "[]", "[]:53", ":::", "1::2::3", "::g", "2001:db8::1%lo", "fe80::1%", "fe80::1%0",
        "fe80::1%no-such-interface-xyz", "[fe80::1]%1:53",
    ]

    @Test("rejects", arguments: badForms)
    func rejects(text: String) {
        #expect(SocketAddress(parsing: text) == nil)
    }

    @Test func defaultPortIsTheCallers() {
        #expect(SocketAddress(parsing: "10.0.0.1", defaultPort: 5300)?.port == 5300)
        #expect(SocketAddress(parsing: "[::1]", defaultPort: 853)?.port == 853)
        #expect(SocketAddress(parsing: "10.0.0.1:54", defaultPort: 5300)?.port == 54)
    }

    @Test func interfaceNameScopes() throws {
        let address = try #require(SocketAddress(parsing: "[fe80::1%lo]:53"))
        #expect(address.scopeID != 0)
        #expect(address.isLinkLocal)
    }

    @Test func parsingHostTakesNoPort() {
        #expect(SocketAddress(parsingHost: "192.0.2.1", port: 53)?.description == "192.0.2.1:53")
        #expect(SocketAddress(parsingHost: "2001:db8::2", port: 53)?.description == "[2001:db8::2]:53")
        #expect(SocketAddress(parsingHost: "192.0.2.1:53", port: 53) == nil)
        #expect(SocketAddress(parsingHost: "[::1]", port: 53) == nil)
    }

    @Test func bytesRoundTrip() throws {
        let v4 = try #require(SocketAddress(parsing: "192.0.2.33:99"))
        #expect(v4.family == .ipv4)
        #expect(v4.addressBytes == [192, 0, 2, 33])
        #expect(SocketAddress(ipv4Bytes: v4.addressBytes, port: 99) == v4)
        #expect(SocketAddress(ipv4: 192, 0, 2, 33, port: 99) == v4)

        let v6 = try #require(SocketAddress(parsing: "[2001:db8::a:b]:853"))
        #expect(v6.family == .ipv6)
        #expect(v6.addressBytes == [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a, 0, 0x0b])
        #expect(SocketAddress(ipv6Bytes: v6.addressBytes, port: 853) == v6)

        #expect(SocketAddress(ipv4Bytes: [1, 2, 3], port: 53) == nil)
        #expect(SocketAddress(ipv6Bytes: [UInt8](repeating: 0, count: 15), port: 53) == nil)
    }

    @Test func equalityCoversPortAndScope() throws {
        let a = try #require(SocketAddress(parsing: "127.0.0.1:53"))
        #expect(a != a.withPort(54))
        #expect(a.hasSameAddress(as: a.withPort(54)))
        #expect(Set([a, a.withPort(53), a.withPort(54)]).count == 2)
        let scoped = try #require(SocketAddress(parsing: "fe80::1%1"))
        let unscoped = try #require(SocketAddress(parsing: "fe80::1"))
        #expect(scoped != unscoped)
        #expect(scoped.hasSameAddress(as: unscoped))
        #expect(SocketAddress(parsing: "::ffff:127.0.0.1") != SocketAddress(parsing: "127.0.0.1"))
    }

    @Test func loopbackAndLinkLocal() throws {
        #expect(SocketAddress.loopback(port: 53).description == "127.0.0.1:53")
        #expect(SocketAddress.loopback(.ipv6, port: 53).description == "[::1]:53")
        #expect(try #require(SocketAddress(parsing: "127.9.9.9")).isLoopback)
        #expect(try #require(SocketAddress(parsing: "::1")).isLoopback)
        #expect(!(try #require(SocketAddress(parsing: "10.0.0.1")).isLoopback))
        #expect(try #require(SocketAddress(parsing: "febf::1")).isLinkLocal)
        #expect(try #require(SocketAddress(parsing: "ff02::1")).isLinkLocal)
        #expect(!(try #require(SocketAddress(parsing: "fec0::1")).isLinkLocal))
        #expect(!(try #require(SocketAddress(parsing: "ff05::1")).isLinkLocal))
    }

    @Test func hostDescription() throws {
        #expect(try #require(SocketAddress(parsing: "[::1]:99")).hostDescription == "::1")
        #expect(try #require(SocketAddress(parsing: "1.2.3.4:99")).hostDescription == "1.2.3.4")
        #expect(try #require(SocketAddress(parsing: "fe80::2%3")).hostDescription == "fe80::2%3")
    }
}
