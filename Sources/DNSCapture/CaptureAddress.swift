/// An IPv4 or IPv6 address seen in a capture, stored without allocation.
public enum CaptureAddress: Sendable, Hashable, CustomStringConvertible {
    /// An IPv4 address; the first octet is the most significant byte.
    case ipv4(UInt32)
    /// An IPv6 address as two big-endian halves: `high` holds octets 0–7, `low` octets 8–15.
    case ipv6(high: UInt64, low: UInt64)

    /// Creates an address from 4 (IPv4) or 16 (IPv6) octets in network order; returns `nil` for any other count.
    public init?(bytes: some Collection<UInt8>) {
        switch bytes.count {
        case 4:
            self = .ipv4(bytes.reduce(0) { $0 << 8 | UInt32($1) })
        case 16:
            var high: UInt64 = 0
            var low: UInt64 = 0
            for (index, byte) in bytes.enumerated() {
                if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
            }
            self = .ipv6(high: high, low: low)
        default:
            return nil
        }
    }

    /// The address in network byte order: 4 octets for IPv4, 16 for IPv6.
    public var bytes: [UInt8] {
        switch self {
        case .ipv4(let value):
            return (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) }
        case .ipv6(let high, let low):
            return (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) }
                + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
        }
    }

    /// Dotted-quad IPv4 text, or IPv6 text in the RFC 5952 canonical form (lowercase hex, the longest run of
    /// two or more zero groups shown as `::`, IPv4-mapped addresses as `::ffff:a.b.c.d`).
    public var description: String {
        switch self {
        case .ipv4(let value):
            return Self.dottedQuad(value)
        case .ipv6(let high, let low):
            if high == 0 && low >> 32 == 0xffff {
                return "::ffff:" + Self.dottedQuad(UInt32(truncatingIfNeeded: low))
            }
            let groups =
                (0..<4).map { UInt16(truncatingIfNeeded: high >> (48 - 16 * $0)) }
                + (0..<4).map { UInt16(truncatingIfNeeded: low >> (48 - 16 * $0)) }
            return Self.ipv6Text(groups)
        }
    }

    private static func dottedQuad(_ value: UInt32) -> String {
        "\(value >> 24).\(value >> 16 & 0xff).\(value >> 8 & 0xff).\(value & 0xff)"
    }

    private static func ipv6Text(_ groups: [UInt16]) -> String {
        // Find the longest run of zero groups (the first one on a tie); RFC 5952 §4.2.2 forbids
        // compressing a single group.
        var bestStart = -1
        var bestLength = 1
        var index = 0
        while index < groups.count {
            guard groups[index] == 0 else {
                index += 1
                continue
            }
            var end = index
            while end < groups.count && groups[end] == 0 { end += 1 }
            if end - index > bestLength {
                bestStart = index
                bestLength = end - index
            }
            index = end
        }
        func hex(_ range: Range<Int>) -> String {
            groups[range].map { String($0, radix: 16) }.joined(separator: ":")
        }
        guard bestStart >= 0 else { return hex(0..<groups.count) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<groups.count)
    }
}
