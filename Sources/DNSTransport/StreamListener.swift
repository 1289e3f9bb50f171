@preconcurrency internal import Glibc
import Synchronization

/// A listening TCP or Unix-domain stream socket whose connections are
/// accepted on the event loop: the server side of the transport, for small
/// line-protocol services (no thread per connection).
///
/// ```swift
/// let listener = try StreamListener(listeningOn: ListenAddress(parsing: "127.0.0.1:9998")!)
/// while true {
///     let connection = try await listener.accept()       // throws .cancelled when the task is
///     group.addTask { await serve(connection) }
/// }
/// ```
///
/// One task at a time calls ``accept()``. To stop, cancel that task (the
/// waiting `accept` throws ``TransportError/cancelled``), then call ``close()``
/// or drop the listener. A Unix-domain socket file is removed on close; a
/// stale socket file at the path (one that no process accepts on) is replaced
/// when binding, a live one makes binding fail with `EADDRINUSE`.
public final class StreamListener: Sendable {
    /// The bound address: with the kernel's port when port 0 was asked for.
    public let address: ListenAddress

    private let fd: CInt
    private let loop: EventLoop
    private let isRegistered = Atomic<Bool>(false)
    private let isClosed = Atomic<Bool>(false)

    /// Creates the socket, binds it and starts listening.
    ///
    /// - Parameters:
    ///   - address: Where to listen.
    ///   - backlog: Pending connections the kernel queues (capped by `somaxconn`).
    ///   - unixSocketMode: Permission bits for a Unix-domain socket file (for
    ///     example `0o666` so an MTA running as another user can connect); nil
    ///     keeps what the umask gives.
    ///   - loop: The event loop that waits for connections.
    /// - Throws: ``TransportError/socketFailed(_:)`` with the failing step's
    ///   errno (`EADDRINUSE`, `EACCES`, `ENAMETOOLONG` …).
    public init(listeningOn address: ListenAddress, backlog: Int = 511, unixSocketMode: UInt32? = nil,
                loop: EventLoop = .shared) throws(TransportError) {
        let flags = CInt(SOCK_CLOEXEC.rawValue) | CInt(SOCK_NONBLOCK.rawValue)
        let type = CInt(SOCK_STREAM.rawValue) | flags
        let domain: CInt
        switch address {
        case .inet(let socketAddress): domain = socketAddress.family == .ipv4 ? AF_INET : AF_INET6
        case .unix: domain = AF_UNIX
        }
        let fd: CInt
        do {
            fd = try sysSocket(domain: domain, type: type, protocol: 0)
        } catch {
            throw .socketFailed(error)
        }
        do throws(Errno) {
            switch address {
            case .inet(let socketAddress):
                try sysSetReuseAddress(fd)
                if socketAddress.family == .ipv6 { try sysSetIPv6Only(fd) }
                try sysBind(fd, to: socketAddress)
                try sysListen(fd, backlog: CInt(clamping: backlog))
                self.address = .inet(try sysLocalAddress(fd) ?? socketAddress)
            case .unix(let path):
                if sysIsSocketFile(path) {
                    guard !sysUnixSocketIsLive(path) else { throw Errno.addressInUse }
                    sysUnlink(path)
                }
                try sysBind(fd, toPath: path)
                do throws(Errno) {
                    if let mode = unixSocketMode { try sysChangeMode(path, mode_t(mode)) }
                    try sysListen(fd, backlog: CInt(clamping: backlog))
                } catch {
                    sysUnlink(path)
                    throw error
                }
                self.address = address
            }
        } catch {
            try? sysClose(fd)
            throw .socketFailed(error)
        }
        self.fd = fd
        self.loop = loop
    }

    deinit {
        close()
    }

    /// Waits for the next connection.
    ///
    /// - Throws: ``TransportError/cancelled`` when the task is cancelled,
    ///   ``TransportError/eventLoopShutDown``, and
    ///   ``TransportError/socketFailed(_:)`` when `accept` fails for a reason
    ///   other than an aborted pending connection (for example `EMFILE`: the
    ///   caller may wait a little and call again).
    public func accept() async throws(TransportError) -> StreamConnection {
        let core = try loop.runningCore()
        while true {
            if isClosed.load(ordering: .acquiring) { throw .socketFailed(.badFileDescriptor) }
            if Task.isCancelled { throw .cancelled }
            let result: IOResult<(fd: CInt, source: SocketAddress?)>
            do {
                result = try sysAccept(fd)
            } catch {
                // The peer gave up while queued, or a protocol error on that connection: take the next.
                if error == .connectionAborted || error.rawValue == EPROTO { continue }
                throw .socketFailed(error)
            }
            switch result {
            case .processed(let accepted):
                return StreamConnection(fd: accepted.fd, peer: accepted.source, core: core)
            case .wouldBlock:
                let outcome = await core.wait(
                    fd: fd,
                    for: .readable,
                    deadline: .now + .seconds(86_400),
                    alreadyRegistered: isRegistered.load(ordering: .relaxed)
                )
                switch outcome {
                case .ready, .timedOut: isRegistered.store(true, ordering: .relaxed)
                case .cancelled: throw .cancelled
                case .shutDown: throw .eventLoopShutDown
                case .failed(let errno): throw .socketFailed(errno)
                }
            }
        }
    }

    /// Stops listening: closes the socket (and removes a Unix-domain socket
    /// file). Call it once no task waits in ``accept()``. Idempotent.
    public func close() {
        guard !isClosed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        try? sysClose(fd)
        if case .unix(let path) = address, sysIsSocketFile(path) { sysUnlink(path) }
    }
}
