@preconcurrency internal import Glibc

// Conversions between SocketAddress and the C socket address structures,
// plus the inet_pton/if_nametoindex calls behind parsing.
// Internal: the public API never exposes Glibc types.

extension SocketAddress {
    /// The socket domain for this address: `AF_INET` or `AF_INET6`.
    var socketDomain: CInt {
        switch family {
        case .ipv4: AF_INET
        case .ipv6: AF_INET6
        }
    }

    /// The address as a `sockaddr_in`, for IPv4 addresses.
    var sockaddrIn: sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(truncatingIfNeeded: low).bigEndian
        return address
    }

    /// The address as a `sockaddr_in6`, for IPv6 addresses.
    var sockaddrIn6: sockaddr_in6 {
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_port = port.bigEndian
        address.sin6_flowinfo = 0
        address.sin6_scope_id = scopeID
        withUnsafeMutableBytes(of: &address.sin6_addr) { raw in
            raw.storeBytes(of: high.bigEndian, toByteOffset: 0, as: UInt64.self)
            raw.storeBytes(of: low.bigEndian, toByteOffset: 8, as: UInt64.self)
        }
        return address
    }

    /// Creates an address from a `sockaddr_in`.
    init(_ address: sockaddr_in) {
        self.init(
            family: .ipv4,
            high: 0,
            low: UInt64(UInt32(bigEndian: address.sin_addr.s_addr)),
            port: UInt16(bigEndian: address.sin_port),
            scopeID: 0
        )
    }

    /// Creates an address from a `sockaddr_in6`.
    init(_ address: sockaddr_in6) {
        var address = address
        let (high, low) = withUnsafeBytes(of: &address.sin6_addr) { raw in
            (
                UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            )
        }
        self.init(
            family: .ipv6,
            high: high,
            low: low,
            port: UInt16(bigEndian: address.sin6_port),
            scopeID: address.sin6_scope_id
        )
    }

    /// Creates an address from a `sockaddr_storage` filled by the kernel; `nil` for other families.
    init?(storage: sockaddr_storage) {
        var storage = storage
        switch CInt(storage.ss_family) {
        case AF_INET:
            let address = withUnsafeBytes(of: &storage) { $0.loadUnaligned(as: sockaddr_in.self) }
            self.init(address)
        case AF_INET6:
            let address = withUnsafeBytes(of: &storage) { $0.loadUnaligned(as: sockaddr_in6.self) }
            self.init(address)
        default:
            return nil
        }
    }

    /// Calls `body` with a pointer to the matching C socket address and its length.
    func withSockAddr<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        switch family {
        case .ipv4:
            var address = sockaddrIn
            return withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        case .ipv6:
            var address = sockaddrIn6
            return withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
    }

    /// Parses strict dotted-quad IPv4 text (`inet_pton`: exactly four decimal parts, no leading zeros).
    static func parseIPv4(_ text: Substring) -> UInt64? {
        guard !text.isEmpty, !text.utf8.contains(0) else { return nil }
        var address = in_addr()
        let result = String(text).withCString { inet_pton(AF_INET, $0, &address) }
        guard result == 1 else { return nil }
        return UInt64(UInt32(bigEndian: address.s_addr))
    }

    /// Parses IPv6 text (`inet_pton`), without any `%scope` suffix.
    static func parseIPv6(_ text: Substring) -> (high: UInt64, low: UInt64)? {
        guard !text.isEmpty, !text.utf8.contains(0) else { return nil }
        var address = in6_addr()
        let result = String(text).withCString { inet_pton(AF_INET6, $0, &address) }
        guard result == 1 else { return nil }
        return withUnsafeBytes(of: &address) { raw in
            (
                UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            )
        }
    }

    /// Resolves an IPv6 scope: a decimal interface index, or an interface name via `if_nametoindex`.
    static func resolveScope(_ text: Substring) -> UInt32? {
        guard !text.isEmpty, !text.utf8.contains(0) else { return nil }
        if text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            guard let index = UInt32(text), index != 0 else { return nil }
            return index
        }
        let index = String(text).withCString { if_nametoindex($0) }
        return index == 0 ? nil : index
    }
}
