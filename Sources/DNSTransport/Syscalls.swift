// Every system call this module makes goes through this file.
//
// The habits come from swift-nio's `System.swift` and swift-system's
// `Internals/Syscalls.swift`:
//
// * Wrappers are `@inline(never)` and read `errno` right after the failing
//   call, before anything (ARC traffic included) can overwrite it.
// * `EINTR` is retried, except for `close`: on Linux the descriptor is gone
//   even when `close` reports `EINTR`, and retrying could close a descriptor
//   another thread has just been given (https://lwn.net/Articles/576478/).
// * Non-blocking calls report `EAGAIN`/`EWOULDBLOCK` as `IOResult.wouldBlock`
//   instead of an error.
// * `EBADF` and `EFAULT` are programming errors. They trip an `assert` in
//   debug builds and are thrown in release builds (never a crash in release).
//
// The Swift `Glibc` module does not include <sys/epoll.h> or <sys/eventfd.h>
// (see the toolchain's SwiftGlibc.h), and this package may not add a C shim
// target, so `epoll_*` and `eventfd` are looked up once with `dlsym` and called
// through `@convention(c)` function pointers. `struct epoll_event` is laid out
// by hand: it is packed (12 bytes) on x86_64 and naturally aligned (16 bytes)
// on every other Linux architecture.

@preconcurrency internal import Glibc

/// The outcome of a non-blocking call that did not fail.
enum IOResult<Value> {
    /// The call did its work and returned `Value`.
    case processed(Value)
    /// The call would have blocked (`EAGAIN`/`EWOULDBLOCK`); wait for readiness and retry.
    case wouldBlock
}

extension IOResult: Sendable where Value: Sendable {}

/// `true` for errno values that can only come from a bug in this module.
private func isProgrammingError(_ error: Errno) -> Bool {
    error == .badFileDescriptor || error.rawValue == EFAULT
}

/// Checks `error` for programming errors and returns it for throwing.
private func checked(_ error: Errno, _ call: StaticString) -> Errno {
    assert(!isProgrammingError(error), "\(call) failed with \(error): this is a bug in DNSTransport")
    return error
}

// MARK: - Sockets

/// Creates a socket. `type` should include `SOCK_CLOEXEC | SOCK_NONBLOCK`.
///
/// The corresponding C function is `socket`.
@inline(never)
func sysSocket(domain: CInt, type: CInt, protocol: CInt) throws(Errno) -> CInt {
    while true {
        let fd = socket(domain, type, `protocol`)
        if fd >= 0 { return fd }
        let error = Errno.current
        if error == .interrupted { continue }
        throw checked(error, "socket")
    }
}

/// Closes a descriptor. Never retried on `EINTR` (see the file header).
///
/// The corresponding C function is `close`.
@inline(never)
func sysClose(_ fd: CInt) throws(Errno) {
    if Glibc.close(fd) == 0 { return }
    let error = Errno.current
    if error == .interrupted { return }  // The descriptor is released anyway on Linux.
    throw checked(error, "close")
}

/// Sends one datagram (or a chunk of a stream, when `address` is `nil`).
///
/// Uses `MSG_NOSIGNAL` so a closed TCP peer yields `EPIPE` rather than `SIGPIPE`.
/// The corresponding C functions are `sendto` and `send`.
@inline(never)
func sysSend(
    _ fd: CInt,
    _ bytes: UnsafeRawBufferPointer,
    to address: SocketAddress?
) throws(Errno) -> IOResult<Int> {
    let flags = CInt(MSG_NOSIGNAL)
    while true {
        let sent: Int
        let error: Errno
        if let address {
            (sent, error) = address.withSockAddr { sockaddr, length in
                let result = sendto(fd, bytes.baseAddress, bytes.count, flags, sockaddr, length)
                return (result, result < 0 ? Errno.current : Errno(rawValue: 0))
            }
        } else {
            sent = send(fd, bytes.baseAddress, bytes.count, flags)
            error = sent < 0 ? Errno.current : Errno(rawValue: 0)
        }
        if sent >= 0 { return .processed(sent) }
        if error == .interrupted { continue }
        if error == .wouldBlock || error.rawValue == EWOULDBLOCK { return .wouldBlock }
        throw checked(error, "sendto")
    }
}

/// Receives one datagram (or a chunk of a stream) and, for datagrams, its source.
///
/// A result of `0` bytes from a stream socket means end of stream.
/// The corresponding C function is `recvfrom`.
@inline(never)
func sysReceive(
    _ fd: CInt,
    into buffer: UnsafeMutableRawBufferPointer
) throws(Errno) -> IOResult<(count: Int, source: SocketAddress?)> {
    while true {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let (received, error) = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sockaddrPointer in
                let result = recvfrom(fd, buffer.baseAddress, buffer.count, 0, sockaddrPointer, &length)
                return (result, result < 0 ? Errno.current : Errno(rawValue: 0))
            }
        }
        if received >= 0 {
            let source = length > 0 ? SocketAddress(storage: storage) : nil
            return .processed((received, source))
        }
        if error == .interrupted { continue }
        if error == .wouldBlock || error.rawValue == EWOULDBLOCK { return .wouldBlock }
        throw checked(error, "recvfrom")
    }
}

/// Starts connecting a non-blocking socket.
///
/// Returns `true` when the connection is already established and `false` when
/// it is in progress (`EINPROGRESS`, or `EINTR`, after which the kernel keeps
/// connecting asynchronously); wait for writability, then call
/// ``sysPendingSocketError(_:)``.
/// The corresponding C function is `connect`.
@inline(never)
func sysConnect(_ fd: CInt, to address: SocketAddress) throws(Errno) -> Bool {
    let (result, error) = address.withSockAddr { sockaddr, length in
        let result = connect(fd, sockaddr, length)
        return (result, result < 0 ? Errno.current : Errno(rawValue: 0))
    }
    if result == 0 { return true }
    if error == .inProgress || error == .interrupted { return false }
    throw checked(error, "connect")
}

/// Reads and clears the socket's pending error (`SO_ERROR`); `nil` when there is none.
///
/// The corresponding C function is `getsockopt`.
@inline(never)
func sysPendingSocketError(_ fd: CInt) throws(Errno) -> Errno? {
    var value: CInt = 0
    var length = socklen_t(MemoryLayout<CInt>.size)
    if getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length) != 0 {
        throw checked(Errno.current, "getsockopt")
    }
    return value == 0 ? nil : Errno(rawValue: value)
}

// MARK: - Files

/// Opens a file read-only with `O_CLOEXEC`, retrying `EINTR`.
///
/// The corresponding C function is `open`.
@inline(never)
func sysOpenReadOnly(_ path: String) throws(Errno) -> CInt {
    while true {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd >= 0 { return fd }
        let error = Errno.current
        if error == .interrupted { continue }
        throw checked(error, "open")
    }
}

/// Reads up to `buffer.count` bytes, retrying `EINTR`. `0` means end of file.
///
/// The corresponding C function is `read`.
@inline(never)
func sysRead(_ fd: CInt, into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> IOResult<Int> {
    while true {
        let count = read(fd, buffer.baseAddress, buffer.count)
        if count >= 0 { return .processed(count) }
        let error = Errno.current
        if error == .interrupted { continue }
        if error == .wouldBlock || error.rawValue == EWOULDBLOCK { return .wouldBlock }
        throw checked(error, "read")
    }
}

/// Writes up to `buffer.count` bytes, retrying `EINTR`.
///
/// The corresponding C function is `write`.
@inline(never)
func sysWrite(_ fd: CInt, _ buffer: UnsafeRawBufferPointer) throws(Errno) -> IOResult<Int> {
    while true {
        let count = write(fd, buffer.baseAddress, buffer.count)
        if count >= 0 { return .processed(count) }
        let error = Errno.current
        if error == .interrupted { continue }
        if error == .wouldBlock || error.rawValue == EWOULDBLOCK { return .wouldBlock }
        throw checked(error, "write")
    }
}

// MARK: - Randomness

/// Fills `buffer` (at most 256 bytes) from the kernel's random pool.
///
/// glibc implements `getentropy` with the `getrandom(2)` system call (flags 0),
/// and `<sys/random.h>`, which declares `getrandom` itself, is not part of the
/// Swift `Glibc` module. The corresponding C function is `getentropy`.
@inline(never)
func sysGetEntropy(_ buffer: UnsafeMutableRawBufferPointer) throws(Errno) {
    precondition(buffer.count <= 256, "getentropy takes at most 256 bytes")
    while true {
        if getentropy(buffer.baseAddress, buffer.count) == 0 { return }
        let error = Errno.current
        if error == .interrupted { continue }
        throw checked(error, "getentropy")
    }
}

// MARK: - Threads

/// Starts a joinable POSIX thread that runs `body`.
///
/// The corresponding C function is `pthread_create`.
func sysStartThread(_ body: @escaping @Sendable () -> Void) throws(Errno) -> pthread_t {
    final class Box: Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    var thread = pthread_t()
    let result = pthread_create(
        &thread,
        nil,
        { argument in
            guard let argument else { return nil }
            Unmanaged<Box>.fromOpaque(argument).takeRetainedValue().body()
            return nil
        },
        box
    )
    guard result == 0 else {
        Unmanaged<Box>.fromOpaque(box).release()
        throw Errno(rawValue: result)
    }
    return thread
}

/// Names the calling thread (at most 15 bytes; longer names are cut), as
/// `top -H`, `ps -L` and debuggers show it. Failure is ignored: a name is a
/// convenience.
///
/// Written to `/proc/thread-self/comm`: `pthread_setname_np` and `prctl` are
/// not visible to Swift through Glibc (a GNU extension, a variadic function).
func sysNameCurrentThread(_ name: String) {
    let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
    guard fd >= 0 else { return }
    let bytes = Array(name.utf8.prefix(15))
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
}

/// Waits for a thread started by ``sysStartThread(_:)`` to finish.
///
/// The corresponding C function is `pthread_join`.
func sysJoinThread(_ thread: pthread_t) {
    let result = pthread_join(thread, nil)
    assert(result == 0, "pthread_join failed with \(Errno(rawValue: result))")
}

/// `true` when called on `thread`.
func sysIsCurrentThread(_ thread: pthread_t) -> Bool {
    pthread_equal(pthread_self(), thread) != 0
}

// MARK: - epoll and eventfd (looked up with dlsym; see the file header)

/// `epoll` and `eventfd`, called through function pointers found with `dlsym`.
enum Epoll {
    /// Readable (`EPOLLIN`).
    static let readable: UInt32 = 0x001
    /// Writable (`EPOLLOUT`).
    static let writable: UInt32 = 0x004
    /// Report once, then disable until re-armed with `EPOLL_CTL_MOD` (`EPOLLONESHOT`).
    static let oneShot: UInt32 = 1 << 30
    /// `EPOLL_CTL_ADD`.
    static let add: CInt = 1
    /// `EPOLL_CTL_MOD`.
    static let modify: CInt = 3

    #if arch(x86_64)
    /// `sizeof(struct epoll_event)`: packed on x86_64.
    static let eventSize = 12
    /// Offset of `epoll_event.data`.
    static let dataOffset = 4
    #else
    /// `sizeof(struct epoll_event)`: naturally aligned on this architecture.
    static let eventSize = 16
    /// Offset of `epoll_event.data`.
    static let dataOffset = 8
    #endif

    private typealias CreateFunction = @convention(c) (CInt) -> CInt
    private typealias ControlFunction = @convention(c) (CInt, CInt, CInt, UnsafeMutableRawPointer?) -> CInt
    private typealias WaitFunction = @convention(c) (CInt, UnsafeMutableRawPointer?, CInt, CInt) -> CInt
    private typealias EventFDFunction = @convention(c) (CUnsignedInt, CInt) -> CInt

    /// The resolved functions; `nil` if the C library lacks any of them.
    private struct Functions: @unchecked Sendable {
        // @unchecked: C function pointers capture nothing and are immutable.
        let create: CreateFunction
        let control: ControlFunction
        let wait: WaitFunction
        let eventFD: EventFDFunction
    }

    private static let functions: Functions? = {
        // RTLD_DEFAULT is the null handle in glibc.
        guard let create = dlsym(nil, "epoll_create1"),
            let control = dlsym(nil, "epoll_ctl"),
            let wait = dlsym(nil, "epoll_wait"),
            let eventFD = dlsym(nil, "eventfd")
        else { return nil }
        return Functions(
            create: unsafeBitCast(create, to: CreateFunction.self),
            control: unsafeBitCast(control, to: ControlFunction.self),
            wait: unsafeBitCast(wait, to: WaitFunction.self),
            eventFD: unsafeBitCast(eventFD, to: EventFDFunction.self)
        )
    }()

    private static func resolved() throws(Errno) -> Functions {
        guard let functions else { throw Errno.notImplemented }
        return functions
    }

    /// Creates an epoll instance with `EPOLL_CLOEXEC`.
    ///
    /// The corresponding C function is `epoll_create1`.
    @inline(never)
    static func create() throws(Errno) -> CInt {
        let functions = try resolved()
        while true {
            let fd = functions.create(CInt(O_CLOEXEC))
            if fd >= 0 { return fd }
            let error = Errno.current
            if error == .interrupted { continue }
            throw checked(error, "epoll_create1")
        }
    }

    /// Creates a non-blocking, close-on-exec eventfd used to wake the loop.
    ///
    /// The corresponding C function is `eventfd`.
    @inline(never)
    static func createEventFD() throws(Errno) -> CInt {
        let functions = try resolved()
        while true {
            let fd = functions.eventFD(0, CInt(O_CLOEXEC | O_NONBLOCK))
            if fd >= 0 { return fd }
            let error = Errno.current
            if error == .interrupted { continue }
            throw checked(error, "eventfd")
        }
    }

    /// Adds or modifies `fd` in the interest list of `epollFD`.
    ///
    /// The corresponding C function is `epoll_ctl`.
    @inline(never)
    static func control(_ epollFD: CInt, _ operation: CInt, _ fd: CInt, events: UInt32, data: UInt64) throws(Errno) {
        let functions = try resolved()
        // Room for either layout, 8-byte aligned.
        var event: (UInt64, UInt64) = (0, 0)
        while true {
            let (result, error) = withUnsafeMutableBytes(of: &event) { raw in
                raw.storeBytes(of: events, toByteOffset: 0, as: UInt32.self)
                raw.storeBytes(of: data, toByteOffset: dataOffset, as: UInt64.self)
                let result = functions.control(epollFD, operation, fd, raw.baseAddress)
                return (result, result < 0 ? Errno.current : Errno(rawValue: 0))
            }
            if result == 0 { return }
            if error == .interrupted { continue }
            throw checked(error, "epoll_ctl")
        }
    }

    /// Waits for events; `timeoutMilliseconds` of `-1` waits forever. `EINTR` returns 0 events.
    ///
    /// `buffer` must hold `maximumEvents * eventSize` bytes.
    /// The corresponding C function is `epoll_wait`.
    @inline(never)
    static func wait(
        _ epollFD: CInt,
        into buffer: UnsafeMutableRawBufferPointer,
        maximumEvents: Int,
        timeoutMilliseconds: CInt
    ) throws(Errno) -> Int {
        precondition(buffer.count >= maximumEvents * eventSize)
        let functions = try resolved()
        let count = functions.wait(epollFD, buffer.baseAddress, CInt(maximumEvents), timeoutMilliseconds)
        if count >= 0 { return Int(count) }
        let error = Errno.current
        if error == .interrupted { return 0 }
        throw checked(error, "epoll_wait")
    }

    /// The `data` field of event number `index` in a buffer filled by
    /// ``wait(_:into:maximumEvents:timeoutMilliseconds:)``.
    static func eventData(at index: Int, in buffer: UnsafeMutableRawBufferPointer) -> UInt64 {
        buffer.loadUnaligned(fromByteOffset: index * eventSize + dataOffset, as: UInt64.self)
    }
}
