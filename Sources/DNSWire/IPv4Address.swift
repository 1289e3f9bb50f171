/// An IPv4 address (32 bits), parsed strictly.
public struct IPv4Address: Hashable, Sendable, Comparable {
    /// The address as a 32-bit number in host order: `192.0.2.1` is `0xC0000201`.
    public var rawValue: UInt32

    /// Wraps a 32-bit number (`0xC0000201` is `192.0.2.1`).
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Creates an address from its four octets, most significant first.
    @inlinable
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        rawValue = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// The four octets in network order.
    @inlinable
    public var octets: (UInt8, UInt8, UInt8, UInt8) {
        (UInt8(truncatingIfNeeded: rawValue >> 24), UInt8(truncatingIfNeeded: rawValue >> 16),
         UInt8(truncatingIfNeeded: rawValue >> 8), UInt8(truncatingIfNeeded: rawValue))
    }

    /// The four octets in network order, as an array.
    public var bytes: [UInt8] {
        let o = octets
        return [o.0, o.1, o.2, o.3]
    }

    /// Parses a dotted quad strictly: exactly four decimal octets 0…255,
    /// no leading zeros (`010.1.1.1` is rejected, since some parsers read it
    /// as octal), no signs, spaces or shorter forms (`127.1`).
    public init(parsing text: some StringProtocol) throws(IPAddressParseError) {
        var utf8 = Array(text.utf8)[...]
        self = try IPv4Address.parse(&utf8, offset: 0)
        guard utf8.isEmpty else { throw .invalidCharacter(at: utf8.startIndex) }
    }

    /// Parses a dotted quad, failing with nil where ``init(parsing:)`` throws.
    public init?(_ text: some StringProtocol) {
        guard let value = try? IPv4Address(parsing: text) else { return nil }
        self = value
    }

    /// Parses a dotted quad from the front of `utf8`, leaving anything after it.
    static func parse(_ utf8: inout ArraySlice<UInt8>, offset: Int) throws(IPAddressParseError) -> IPv4Address {
        guard !utf8.isEmpty else { throw .empty }
        var value: UInt32 = 0
        for part in 0..<4 {
            if part > 0 {
                guard utf8.first == UInt8(ascii: ".") else {
                    if let first = utf8.first, first != UInt8(ascii: ".") && !(first &- 0x30 < 10) {
                        throw .invalidCharacter(at: offset + utf8.startIndex)
                    }
                    throw .wrongNumberOfParts
                }
                utf8.removeFirst()
            }
            let start = utf8.startIndex
            var octet = 0
            var digits = 0
            while let c = utf8.first, c &- UInt8(ascii: "0") < 10 {
                if digits == 1 && octet == 0 { throw .leadingZero(at: offset + start) }
                octet = octet * 10 + Int(c &- UInt8(ascii: "0"))
                digits += 1
                guard octet <= 255 else { throw .valueOutOfRange(at: offset + start) }
                utf8.removeFirst()
            }
            guard digits > 0 else {
                if utf8.isEmpty { throw .wrongNumberOfParts }
                throw .invalidCharacter(at: offset + utf8.startIndex)
            }
            value = value << 8 | UInt32(octet)
        }
        return IPv4Address(rawValue: value)
    }

    /// Orders numerically.
    public static func < (lhs: IPv4Address, rhs: IPv4Address) -> Bool { lhs.rawValue < rhs.rawValue }
}

extension IPv4Address: CustomStringConvertible {
    /// The dotted quad, `192.0.2.1`.
    public var description: String {
        let o = octets
        return "\(o.0).\(o.1).\(o.2).\(o.3)"
    }
}

/// Why a text could not be read as an IP address. Offsets count UTF-8 code
/// units from the start of the text.
public enum IPAddressParseError: Error, Hashable, Sendable {
    /// The text was empty.
    case empty
    /// A character that has no place there.
    case invalidCharacter(at: Int)
    /// A decimal octet with a leading zero (`01`), which some parsers read as octal.
    case leadingZero(at: Int)
    /// A decimal octet over 255 or a hexadecimal group over four digits.
    case valueOutOfRange(at: Int)
    /// Not four dotted octets, or not eight groups without `::`.
    case wrongNumberOfParts
    /// More than one `::`.
    case multipleDoubleColons
    /// An embedded dotted quad not at the end of an IPv6 address.
    case misplacedIPv4
    /// A `%zone` suffix: scoped (link-local) addresses are not accepted here.
    case zoneNotAllowed
}

extension IPAddressParseError: CustomStringConvertible {
    /// A one-line explanation.
    public var description: String {
        switch self {
        case .empty: return "empty address"
        case .invalidCharacter(let at): return "invalid character at offset \(at)"
        case .leadingZero(let at): return "leading zero in octet at offset \(at)"
        case .valueOutOfRange(let at): return "value out of range at offset \(at)"
        case .wrongNumberOfParts: return "wrong number of parts"
        case .multipleDoubleColons: return "more than one '::'"
        case .misplacedIPv4: return "embedded IPv4 address must come last"
        case .zoneNotAllowed: return "a %zone suffix is not allowed"
        }
    }
}
