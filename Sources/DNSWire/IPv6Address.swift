/// An IPv6 address (128 bits), parsed strictly per RFC 4291 §2.2 and
/// printed per RFC 5952.
public struct IPv6Address: Hashable, Sendable, Comparable {
    /// The upper 64 bits (the first eight octets).
    public var high: UInt64
    /// The lower 64 bits (the last eight octets).
    public var low: UInt64

    /// Creates an address from its two 64-bit halves.
    @inlinable public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Creates an address from 16 octets in network order; nil unless exactly 16.
    public init?<Bytes: Collection>(bytes: Bytes) where Bytes.Element == UInt8 {
        guard bytes.count == 16 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (i, byte) in bytes.enumerated() {
            if i < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self.init(high: high, low: low)
    }

    /// The 16 octets in network order.
    public var bytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 {
            out[i] = UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64(i)))
            out[i + 8] = UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64(i)))
        }
        return out
    }

    /// The eight 16-bit groups.
    public var groups: [UInt16] {
        (0..<8).map { i in
            let half = i < 4 ? high : low
            return UInt16(truncatingIfNeeded: half >> (48 - 16 * UInt64(i % 4)))
        }
    }

    /// The IPv4 address of an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`,
    /// RFC 4291 §2.5.5.2), otherwise nil.
    @inlinable
    public var ipv4Mapped: IPv4Address? {
        guard high == 0, low >> 32 == 0xFFFF else { return nil }
        return IPv4Address(rawValue: UInt32(truncatingIfNeeded: low))
    }

    /// The IPv4-mapped form of an IPv4 address.
    @inlinable
    public init(mapping ipv4: IPv4Address) {
        self.init(high: 0, low: 0xFFFF_0000_0000 | UInt64(ipv4.rawValue))
    }

    /// Parses the text forms of RFC 4291 §2.2: eight groups of one to four
    /// hexadecimal digits, one `::` for a run of zero groups, and a dotted quad
    /// (strict, as ``IPv4Address/init(parsing:)``) in place of the last two
    /// groups. A `%zone` suffix throws ``IPAddressParseError/zoneNotAllowed``.
    public init(parsing text: some StringProtocol) throws(IPAddressParseError) {
        let utf8 = Array(text.utf8)
        guard !utf8.isEmpty else { throw .empty }
        if utf8.contains(UInt8(ascii: "%")) { throw .zoneNotAllowed }
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var sawDoubleColon = false
        var index = 0
        // Leading "::".
        if utf8.count >= 2, utf8[0] == UInt8(ascii: ":"), utf8[1] == UInt8(ascii: ":") {
            sawDoubleColon = true
            index = 2
        } else if utf8[0] == UInt8(ascii: ":") {
            throw .invalidCharacter(at: 0)
        }
        while index < utf8.count {
            // One group, or a trailing dotted quad.
            let start = index
            var value: UInt32 = 0
            var digits = 0
            while index < utf8.count, let nibble = IPv6Address.hexValue(utf8[index]) {
                value = value << 4 | UInt32(nibble)
                digits += 1
                index += 1
                guard digits <= 4 else { throw .valueOutOfRange(at: start) }
            }
            if index < utf8.count, utf8[index] == UInt8(ascii: ".") {
                // Embedded IPv4: must be the last thing in the text.
                var rest = utf8[start...]
                let v4 = try IPv4Address.parse(&rest, offset: 0)
                guard rest.isEmpty else { throw .misplacedIPv4 }
                if sawDoubleColon {
                    tail.append(UInt16(v4.rawValue >> 16))
                    tail.append(UInt16(truncatingIfNeeded: v4.rawValue))
                } else {
                    head.append(UInt16(v4.rawValue >> 16))
                    head.append(UInt16(truncatingIfNeeded: v4.rawValue))
                }
                index = utf8.count
                break
            }
            guard digits > 0 else { throw .invalidCharacter(at: index) }
            if sawDoubleColon { tail.append(UInt16(value)) } else { head.append(UInt16(value)) }
            guard index < utf8.count else { break }
            guard utf8[index] == UInt8(ascii: ":") else { throw .invalidCharacter(at: index) }
            index += 1
            if index < utf8.count, utf8[index] == UInt8(ascii: ":") {
                guard !sawDoubleColon else { throw .multipleDoubleColons }
                sawDoubleColon = true
                index += 1
                continue
            }
            // A single colon must be followed by another group.
            guard index < utf8.count else { throw .wrongNumberOfParts }
        }
        let total = head.count + tail.count
        if sawDoubleColon {
            guard total <= 7 else { throw .wrongNumberOfParts }
        } else {
            guard total == 8 else { throw .wrongNumberOfParts }
        }
        let groups = head + [UInt16](repeating: 0, count: 8 - total) + tail
        var high: UInt64 = 0
        var low: UInt64 = 0
        for i in 0..<4 {
            high = high << 16 | UInt64(groups[i])
            low = low << 16 | UInt64(groups[i + 4])
        }
        self.init(high: high, low: low)
    }

    /// Parses like ``init(parsing:)``, failing with nil instead of throwing.
    public init?(_ text: some StringProtocol) {
        guard let value = try? IPv6Address(parsing: text) else { return nil }
        self = value
    }

    @inlinable
    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Orders numerically.
    public static func < (lhs: IPv6Address, rhs: IPv6Address) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }
}

extension IPv6Address: CustomStringConvertible {
    /// The RFC 5952 text: lower-case hexadecimal without leading zeros, the
    /// longest run of two or more zero groups (the first, on a tie) written
    /// as `::`, and IPv4-mapped addresses as `::ffff:192.0.2.1`.
    public var description: String {
        if let v4 = ipv4Mapped { return "::ffff:\(v4)" }
        let groups = self.groups
        var bestStart = -1
        var bestLength = 1
        var runStart = -1
        for i in 0...8 {
            if i < 8, groups[i] == 0 {
                if runStart < 0 { runStart = i }
            } else if runStart >= 0 {
                if i - runStart > bestLength {
                    bestStart = runStart
                    bestLength = i - runStart
                }
                runStart = -1
            }
        }
        var out = ""
        var i = 0
        while i < 8 {
            if i == bestStart {
                out += "::"
                i += bestLength
                continue
            }
            if !out.isEmpty, !out.hasSuffix(":") { out += ":" }
            out += String(groups[i], radix: 16)
            i += 1
        }
        return out
    }
}

/// An IPv4 or IPv6 address.
public enum IPAddress: Hashable, Sendable {
    /// An IPv4 address.
    case v4(IPv4Address)
    /// An IPv6 address.
    case v6(IPv6Address)

    /// Parses either form: text with a colon is read as IPv6
    /// (``IPv6Address/init(parsing:)``), anything else as a dotted quad.
    public init(parsing text: some StringProtocol) throws(IPAddressParseError) {
        if text.utf8.contains(UInt8(ascii: ":")) {
            self = .v6(try IPv6Address(parsing: text))
        } else {
            self = .v4(try IPv4Address(parsing: text))
        }
    }

    /// Parses like ``init(parsing:)``, failing with nil instead of throwing.
    public init?(_ text: some StringProtocol) {
        guard let value = try? IPAddress(parsing: text) else { return nil }
        self = value
    }

    /// The address with an IPv4-mapped IPv6 address turned into its IPv4
    /// address; every other address unchanged.
    public var normalized: IPAddress {
        if case .v6(let v6) = self, let v4 = v6.ipv4Mapped { return .v4(v4) }
        return self
    }

    /// True for IPv4.
    public var isIPv4: Bool {
        if case .v4 = self { return true }
        return false
    }

    /// The octets in network order (4 or 16).
    public var bytes: [UInt8] {
        switch self {
        case .v4(let a): return a.bytes
        case .v6(let a): return a.bytes
        }
    }
}

extension IPAddress: CustomStringConvertible {
    /// The dotted quad or RFC 5952 text.
    public var description: String {
        switch self {
        case .v4(let a): return a.description
        case .v6(let a): return a.description
        }
    }
}
