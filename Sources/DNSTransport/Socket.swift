@preconcurrency internal import Glibc

/// An owned, non-blocking, close-on-exec socket descriptor.
///
/// `~Copyable`, so exactly one owner exists and `deinit` closes the descriptor
/// on every path out of an exchange: success, error, timeout and cancellation.
struct Socket: ~Copyable {
    /// The descriptor.
    let fd: CInt
    /// Whether `fd` has been added to the event loop's epoll set.
    private var isRegistered = false

    /// Opens a socket of `type` (`SOCK_DGRAM` or `SOCK_STREAM`) for `family`,
    /// with `SOCK_CLOEXEC | SOCK_NONBLOCK`.
    init(family: SocketAddress.Family, type: CInt) throws(TransportError) {
        let domain: CInt = family == .ipv4 ? AF_INET : AF_INET6
        let flags = CInt(SOCK_CLOEXEC.rawValue) | CInt(SOCK_NONBLOCK.rawValue)
        do {
            fd = try sysSocket(domain: domain, type: type | flags, protocol: 0)
        } catch {
            throw .socketFailed(error)
        }
    }

    deinit {
        try? sysClose(fd)
    }

    /// Suspends until the socket is ready for `interest`.
    ///
    /// Throws ``TransportError/timeout`` once `deadline` passes,
    /// ``TransportError/cancelled`` when the task is cancelled, and
    /// ``TransportError/eventLoopShutDown`` when the loop stops.
    @inline(never)
    mutating func wait(
        for interest: Interest,
        until deadline: Deadline,
        on core: EventLoopCore
    ) async throws(TransportError) {
        let outcome = await core.wait(fd: fd, for: interest, deadline: deadline, alreadyRegistered: isRegistered)
        try Self.check(outcome)
        isRegistered = true
    }

    /// Throws the error for a wait that did not end ready.
    static func check(_ outcome: WaitOutcome) throws(TransportError) {
        switch outcome {
        case .ready: return
        case .timedOut: throw .timeout
        case .cancelled: throw .cancelled
        case .shutDown: throw .eventLoopShutDown
        case .failed(let errno): throw .socketFailed(errno)
        }
    }
}
