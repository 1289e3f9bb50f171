// The system calls of the server side: bind, listen, accept, and the few
// helpers a listening socket needs. The habits of Syscalls.swift hold here
// too: `@inline(never)`, `errno` read right after the failing call, `EINTR`
// retried, `EAGAIN` reported as `IOResult.wouldBlock`.

@preconcurrency internal import Glibc

/// The largest Unix-domain socket path, in bytes (`sizeof(sun_path) - 1`).
let unixSocketPathLimit = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1

/// Sets `SO_REUSEADDR`, so a restarted server can bind while old connections sit in TIME_WAIT.
///
/// The corresponding C function is `setsockopt`.
@inline(never)
func sysSetReuseAddress(_ fd: CInt) throws(Errno) {
    var one: CInt = 1
    if setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<CInt>.size)) != 0 {
        throw Errno.current
    }
}

/// Sets `IPV6_V6ONLY`, so a socket bound to an IPv6 address takes IPv6 only.
///
/// The corresponding C function is `setsockopt`.
@inline(never)
func sysSetIPv6Only(_ fd: CInt) throws(Errno) {
    var one: CInt = 1
    if setsockopt(fd, CInt(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<CInt>.size)) != 0 {
        throw Errno.current
    }
}

/// Binds `fd` to an IP address and port.
///
/// The corresponding C function is `bind`.
@inline(never)
func sysBind(_ fd: CInt, to address: SocketAddress) throws(Errno) {
    let (result, error) = address.withSockAddr { sockaddr, length in
        let result = bind(fd, sockaddr, length)
        return (result, result < 0 ? Errno.current : Errno(rawValue: 0))
    }
    if result != 0 { throw error }
}

/// Calls `body` with a `sockaddr_un` for `path`; nil when the path is empty,
/// longer than ``unixSocketPathLimit`` bytes, or contains NUL.
func withUnixSockAddr<Result>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result? {
    let bytes = Array(path.utf8)
    guard !bytes.isEmpty, bytes.count <= unixSocketPathLimit, !bytes.contains(0) else { return nil }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        raw.copyBytes(from: bytes)
        raw[bytes.count] = 0
    }
    let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)! + bytes.count + 1)
    return withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
    }
}

/// Binds `fd` to a Unix-domain socket path (at most ``unixSocketPathLimit`` bytes, no NUL).
///
/// The corresponding C function is `bind`.
@inline(never)
func sysBind(_ fd: CInt, toPath path: String) throws(Errno) {
    let outcome = withUnixSockAddr(path) { sockaddr, length in
        let result = bind(fd, sockaddr, length)
        return result < 0 ? Errno.current : nil
    }
    guard let outcome else { throw Errno(rawValue: ENAMETOOLONG) }
    if let error = outcome { throw error }
}

/// Marks `fd` as accepting connections, with room for `backlog` pending ones.
///
/// The corresponding C function is `listen`.
@inline(never)
func sysListen(_ fd: CInt, backlog: CInt) throws(Errno) {
    if listen(fd, backlog) != 0 { throw Errno.current }
}

/// Takes one pending connection off a non-blocking listening socket. The new
/// descriptor is made non-blocking and close-on-exec; `source` is the peer's
/// IP address (nil for a Unix-domain peer).
///
/// `accept4` is not in the Swift `Glibc` module (it needs `_GNU_SOURCE`), so
/// the flags are set with `fcntl` right after `accept`. Only a process that
/// runs `exec` from another thread in that instant could leak the descriptor.
/// The corresponding C functions are `accept` and `fcntl`.
@inline(never)
func sysAccept(_ fd: CInt) throws(Errno) -> IOResult<(fd: CInt, source: SocketAddress?)> {
    while true {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let (accepted, error) = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sockaddrPointer in
                let result = accept(fd, sockaddrPointer, &length)
                return (result, result < 0 ? Errno.current : Errno(rawValue: 0))
            }
        }
        if accepted >= 0 {
            let flags = fcntl(accepted, F_GETFL)
            guard flags >= 0, fcntl(accepted, F_SETFL, flags | O_NONBLOCK) == 0,
                fcntl(accepted, F_SETFD, FD_CLOEXEC) == 0
            else {
                let error = Errno.current
                _ = Glibc.close(accepted)
                throw error
            }
            return .processed((accepted, SocketAddress(storage: storage)))
        }
        if error == .interrupted { continue }
        if error == .wouldBlock || error.rawValue == EWOULDBLOCK { return .wouldBlock }
        throw error
    }
}

/// The address a socket is bound to (the real port after binding port 0); nil for Unix-domain sockets.
///
/// The corresponding C function is `getsockname`.
@inline(never)
func sysLocalAddress(_ fd: CInt) throws(Errno) -> SocketAddress? {
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let (result, error) = withUnsafeMutablePointer(to: &storage) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sockaddrPointer in
            let result = getsockname(fd, sockaddrPointer, &length)
            return (result, result < 0 ? Errno.current : Errno(rawValue: 0))
        }
    }
    if result != 0 { throw error }
    return SocketAddress(storage: storage)
}

/// Whether `path` names an existing Unix-domain socket (not following a symbolic link).
///
/// The corresponding C function is `lstat`.
@inline(never)
func sysIsSocketFile(_ path: String) -> Bool {
    var info = stat()
    guard lstat(path, &info) == 0 else { return false }
    return info.st_mode & S_IFMT == S_IFSOCK
}

/// Removes a file; errors are ignored (the file may already be gone).
///
/// The corresponding C function is `unlink`.
@inline(never)
func sysUnlink(_ path: String) {
    _ = unlink(path)
}

/// Sets a file's permission bits.
///
/// The corresponding C function is `chmod`.
@inline(never)
func sysChangeMode(_ path: String, _ mode: mode_t) throws(Errno) {
    if chmod(path, mode) != 0 { throw Errno.current }
}

/// Whether a connection to the Unix-domain socket at `path` is accepted right
/// now (a blocking connect on a fresh socket, which returns at once for a local path).
///
/// The corresponding C functions are `socket`, `connect` and `close`.
@inline(never)
func sysUnixSocketIsLive(_ path: String) -> Bool {
    let fd = socket(AF_UNIX, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { _ = Glibc.close(fd) }
    let connected = withUnixSockAddr(path) { sockaddr, length in connect(fd, sockaddr, length) == 0 }
    return connected ?? false
}
