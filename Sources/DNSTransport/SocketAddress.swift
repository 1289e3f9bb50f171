/// An IPv4 or IPv6 address plus a UDP/TCP port: where a DNS server listens, or
/// where a datagram came from.
///
/// The value is small and allocation-free (two 64-bit words hold the address),
/// `Hashable` over family, address, port and scope, so the resolver can compare
/// a datagram's source with the server it asked.
///
/// Build one from text with ``init(parsing:defaultPort:)``
/// (`127.0.0.1`, `127.0.0.1:5353`, `::1`, `[::1]:5301`, `[fe80::1%eth0]`), or
/// from bytes with ``init(ipv4Bytes:port:)`` and ``init(ipv6Bytes:port:scopeID:)``.
public struct SocketAddress: Sendable, Hashable, CustomStringConvertible {
    /// The address family.
    public enum Family: Sendable, Hashable {
        /// IPv4 (`AF_INET`), 4 address bytes.
        case ipv4
        /// IPv6 (`AF_INET6`), 16 address bytes.
        case ipv6
    }

    /// Whether this is an IPv4 or IPv6 address.
    public let family: Family

    /// The port, in host byte order.
    public var port: UInt16

    /// The IPv6 scope (interface index) for link-local addresses; `0` otherwise and for IPv4.
    public let scopeID: UInt32

    /// Address bytes 0–7 (IPv6 only; `0` for IPv4), big-endian.
    let high: UInt64

    /// Address bytes 8–15 for IPv6, or the 4 IPv4 bytes in the low 32 bits, big-endian.
    let low: UInt64

    /// Creates an address from its stored words.
    init(family: Family, high: UInt64, low: UInt64, port: UInt16, scopeID: UInt32) {
        self.family = family
        self.high = high
        self.low = low
        self.port = port
        self.scopeID = family == .ipv6 ? scopeID : 0
    }

    /// Creates an IPv4 address from its four bytes, most significant first.
    public init(ipv4 a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, port: UInt16) {
        let value = UInt64(a) << 24 | UInt64(b) << 16 | UInt64(c) << 8 | UInt64(d)
        self.init(family: .ipv4, high: 0, low: value, port: port, scopeID: 0)
    }

    /// Creates an IPv4 address from exactly 4 bytes in network order; `nil` for any other count.
    public init?(ipv4Bytes bytes: some Collection<UInt8>, port: UInt16) {
        guard bytes.count == 4 else { return nil }
        var value: UInt64 = 0
        for byte in bytes { value = value << 8 | UInt64(byte) }
        self.init(family: .ipv4, high: 0, low: value, port: port, scopeID: 0)
    }

    /// Creates an IPv6 address from exactly 16 bytes in network order; `nil` for any other count.
    public init?(ipv6Bytes bytes: some Collection<UInt8>, port: UInt16, scopeID: UInt32 = 0) {
        guard bytes.count == 16 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            if index < 8 {
                high = high << 8 | UInt64(byte)
            } else {
                low = low << 8 | UInt64(byte)
            }
        }
        self.init(family: .ipv6, high: high, low: low, port: port, scopeID: scopeID)
    }

    /// The loopback address of `family` (`127.0.0.1` or `::1`) with `port`.
    public static func loopback(_ family: Family = .ipv4, port: UInt16) -> SocketAddress {
        switch family {
        case .ipv4: SocketAddress(ipv4: 127, 0, 0, 1, port: port)
        case .ipv6: SocketAddress(family: .ipv6, high: 0, low: 1, port: port, scopeID: 0)
        }
    }

    /// The raw address bytes in network order: 4 for IPv4, 16 for IPv6. The port is not included.
    public var addressBytes: [UInt8] {
        switch family {
        case .ipv4:
            return (0..<4).map { UInt8(truncatingIfNeeded: low >> (24 - 8 * $0)) }
        case .ipv6:
            var bytes: [UInt8] = []
            bytes.reserveCapacity(16)
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: high >> shift)) }
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: low >> shift)) }
            return bytes
        }
    }

    /// `true` when the address bytes (ignoring port and scope) equal `other`'s.
    public func hasSameAddress(as other: SocketAddress) -> Bool {
        family == other.family && high == other.high && low == other.low
    }

    /// A copy of this address with a different port.
    public func withPort(_ port: UInt16) -> SocketAddress {
        var copy = self
        copy.port = port
        return copy
    }

    /// `true` for `127.0.0.0/8` and `::1`.
    public var isLoopback: Bool {
        switch family {
        case .ipv4: low >> 24 == 127
        case .ipv6: high == 0 && low == 1
        }
    }

    /// `true` for IPv6 link-local unicast (`fe80::/10`) and link- or interface-local
    /// multicast (`ff01::/16`, `ff02::/16`), the addresses that need a scope.
    public var isLinkLocal: Bool {
        guard family == .ipv6 else { return false }
        let firstTwoBytes = UInt16(truncatingIfNeeded: high >> 48)
        if firstTwoBytes & 0xffc0 == 0xfe80 { return true }
        return firstTwoBytes & 0xff0f == 0xff01 || firstTwoBytes & 0xff0f == 0xff02
    }

    /// The address without the port: `127.0.0.1`, `::1`, `fe80::1%2` (numeric scope).
    public var hostDescription: String {
        let text = formatAddress()
        return scopeID == 0 ? text : "\(text)%\(scopeID)"
    }

    /// The address with its port: `127.0.0.1:53`, `[::1]:5301`, `[fe80::1%2]:53`.
    public var description: String {
        switch family {
        case .ipv4: "\(hostDescription):\(port)"
        case .ipv6: "[\(hostDescription)]:\(port)"
        }
    }
}
