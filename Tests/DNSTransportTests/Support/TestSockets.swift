import DNSTransport
@preconcurrency import Glibc

/// Plain blocking-socket helpers for test servers. Loopback only.
enum TestSockets {
    /// `true` when an IPv6 socket can bind `::1`.
    static let ipv6Available: Bool = {
        guard let (fd, _) = try? boundSocket(type: SOCK_DGRAM, family: .ipv6) else { return false }
        close(fd)
        return true
    }()

    /// A `sockaddr_storage` and length for `address`.
    static func sockaddr(for address: SocketAddress) -> (sockaddr_storage, socklen_t) {
        var storage = sockaddr_storage()
        let bytes = address.addressBytes
        switch address.family {
        case .ipv4:
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = address.port.bigEndian
            withUnsafeMutableBytes(of: &sin.sin_addr) { raw in
                for (index, byte) in bytes.enumerated() { raw[index] = byte }
            }
            withUnsafeMutableBytes(of: &storage) { raw in
                withUnsafeBytes(of: sin) { raw.copyMemory(from: $0) }
            }
            return (storage, socklen_t(MemoryLayout<sockaddr_in>.size))
        case .ipv6:
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = address.port.bigEndian
            sin6.sin6_scope_id = address.scopeID
            withUnsafeMutableBytes(of: &sin6.sin6_addr) { raw in
                for (index, byte) in bytes.enumerated() { raw[index] = byte }
            }
            withUnsafeMutableBytes(of: &storage) { raw in
                withUnsafeBytes(of: sin6) { raw.copyMemory(from: $0) }
            }
            return (storage, socklen_t(MemoryLayout<sockaddr_in6>.size))
        }
    }

    /// The `SocketAddress` in a `sockaddr_storage`.
    static func address(from storage: sockaddr_storage) -> SocketAddress? {
        var storage = storage
        switch CInt(storage.ss_family) {
        case AF_INET:
            let sin = withUnsafeBytes(of: &storage) { $0.loadUnaligned(as: sockaddr_in.self) }
            let bytes = withUnsafeBytes(of: sin.sin_addr) { Array($0) }
            return SocketAddress(ipv4Bytes: bytes, port: UInt16(bigEndian: sin.sin_port))
        case AF_INET6:
            let sin6 = withUnsafeBytes(of: &storage) { $0.loadUnaligned(as: sockaddr_in6.self) }
            let bytes = withUnsafeBytes(of: sin6.sin6_addr) { Array($0) }
            return SocketAddress(ipv6Bytes: bytes, port: UInt16(bigEndian: sin6.sin6_port), scopeID: sin6.sin6_scope_id)
        default:
            return nil
        }
    }

    /// A blocking socket bound to the loopback address of `family` on an OS-chosen port.
    static func boundSocket(
        type: __socket_type,
        family: SocketAddress.Family
    ) throws(TestError) -> (CInt, SocketAddress) {
        let domain = family == .ipv4 ? AF_INET : AF_INET6
        let fd = socket(domain, CInt(type.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestError("socket: \(Errno(rawValue: errno))") }
        var (storage, length) = sockaddr(for: .loopback(family, port: 0))
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: Glibc.sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else {
            let error = Errno(rawValue: errno)
            close(fd)
            throw TestError("bind: \(error)")
        }
        var local = sockaddr_storage()
        var localLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: Glibc.sockaddr.self, capacity: 1) { getsockname(fd, $0, &localLength) }
        }
        guard let address = address(from: local) else {
            close(fd)
            throw TestError("getsockname gave no address")
        }
        return (fd, address)
    }

    /// Sends one datagram from `fd` to `address`.
    static func send(_ bytes: [UInt8], from fd: CInt, to address: SocketAddress) {
        var (storage, length) = sockaddr(for: address)
        _ = bytes.withUnsafeBytes { buffer in
            withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: Glibc.sockaddr.self, capacity: 1) {
                    sendto(fd, buffer.baseAddress, buffer.count, CInt(MSG_NOSIGNAL), $0, length)
                }
            }
        }
    }

    /// Sets an integer socket option, ignoring failure.
    static func setOption(_ fd: CInt, _ level: CInt, _ name: CInt, _ value: CInt) -> Bool {
        var value = value
        return setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<CInt>.size)) == 0
    }

    /// Makes blocking reads on `fd` give up after `milliseconds`.
    static func setReceiveTimeout(_ fd: CInt, milliseconds: Int) {
        var timeout = timeval(tv_sec: milliseconds / 1000, tv_usec: (milliseconds % 1000) * 1000)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Waits up to `milliseconds` for `fd` to become readable.
    static func waitReadable(_ fd: CInt, milliseconds: CInt) -> Bool {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, milliseconds) > 0
    }
}
