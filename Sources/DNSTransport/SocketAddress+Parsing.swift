extension SocketAddress {
    /// Parses a server address with an optional port.
    ///
    /// Accepted forms:
    ///
    /// | Text                | Address      | Port          |
    /// |---------------------|--------------|---------------|
    /// | `127.0.0.1`         | 127.0.0.1    | `defaultPort` |
    /// | `127.0.0.1:5353`    | 127.0.0.1    | 5353          |
    /// | `::1`               | ::1          | `defaultPort` |
    /// | `[::1]`             | ::1          | `defaultPort` |
    /// | `[::1]:5301`        | ::1          | 5301          |
    /// | `fe80::1%eth0`      | fe80::1, scope index of `eth0` | `defaultPort` |
    /// | `[fe80::1%2]:53`    | fe80::1, scope 2 | 53        |
    ///
    /// IPv4 must be a strict dotted quad (`inet_pton`): `127.1`, `0x7f.0.0.1` and
    /// leading zeros are rejected. A port is 1–5 decimal digits in `1...65535`.
    /// A `%scope` (interface name or decimal index) is allowed only on link-local
    /// IPv6 addresses, and an unknown interface name fails the parse. Surrounding
    /// whitespace is not trimmed. Returns `nil` for anything else.
    public init?(parsing text: String, defaultPort: UInt16 = 53) {
        let text = Substring(text)
        if text.first == "[" {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let inner = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            var port = defaultPort
            if !rest.isEmpty {
                guard rest.first == ":", let parsed = Self.parsePort(rest.dropFirst()) else { return nil }
                port = parsed
            }
            guard let address = Self.parseIPv6(withScope: inner, port: port) else { return nil }
            self = address
            return
        }
        let colons = text.utf8.count(where: { $0 == UInt8(ascii: ":") })
        switch colons {
        case 0:
            guard let value = Self.parseIPv4(text) else { return nil }
            self.init(family: .ipv4, high: 0, low: value, port: defaultPort, scopeID: 0)
        case 1:
            guard let colon = text.firstIndex(of: ":"),
                let value = Self.parseIPv4(text[..<colon]),
                let port = Self.parsePort(text[text.index(after: colon)...])
            else { return nil }
            self.init(family: .ipv4, high: 0, low: value, port: port, scopeID: 0)
        default:
            guard let address = Self.parseIPv6(withScope: text, port: defaultPort) else { return nil }
            self = address
        }
    }

    /// Parses a bare IPv4 or IPv6 address (no port syntax, no brackets) and gives it `port`.
    ///
    /// IPv6 may carry a `%scope` under the same rules as ``init(parsing:defaultPort:)``.
    public init?(parsingHost text: String, port: UInt16) {
        let text = Substring(text)
        if text.contains(":") {
            guard let address = Self.parseIPv6(withScope: text, port: port) else { return nil }
            self = address
        } else {
            guard let value = Self.parseIPv4(text) else { return nil }
            self.init(family: .ipv4, high: 0, low: value, port: port, scopeID: 0)
        }
    }

    /// Parses IPv6 text with an optional `%scope` that must belong to a link-local address.
    static func parseIPv6(withScope text: Substring, port: UInt16) -> SocketAddress? {
        var addressText = text
        var scopeID: UInt32 = 0
        if let percent = text.firstIndex(of: "%") {
            addressText = text[..<percent]
            guard let scope = resolveScope(text[text.index(after: percent)...]) else { return nil }
            scopeID = scope
        }
        guard let (high, low) = parseIPv6(addressText) else { return nil }
        let address = SocketAddress(family: .ipv6, high: high, low: low, port: port, scopeID: scopeID)
        if scopeID != 0 && !address.isLinkLocal { return nil }
        return address
    }

    /// Parses a decimal port in `1...65535` written with 1–5 ASCII digits.
    static func parsePort(_ text: Substring) -> UInt16? {
        guard (1...5).contains(text.utf8.count),
            text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let value = UInt32(text), (1...65535).contains(value)
        else { return nil }
        return UInt16(value)
    }
}
