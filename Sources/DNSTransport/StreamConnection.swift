@preconcurrency internal import Glibc
import Synchronization

/// One accepted stream connection (TCP or Unix-domain), read and written on
/// the event loop with a deadline for every wait.
///
/// Made by ``StreamListener/accept()``. One task at a time reads or writes
/// it (a server's per-connection task). The descriptor is closed by
/// ``close()`` or when the last reference goes away. Call `close()` only
/// when no task waits on the connection: cancel that task first.
public final class StreamConnection: Sendable {
    /// The peer's address and port; nil for a Unix-domain peer.
    public let peer: SocketAddress?

    private let fd: CInt
    private let core: EventLoopCore
    private let isRegistered = Atomic<Bool>(false)
    private let isClosed = Atomic<Bool>(false)

    init(fd: CInt, peer: SocketAddress?, core: EventLoopCore) {
        self.fd = fd
        self.peer = peer
        self.core = core
    }

    deinit {
        close()
    }

    /// Receives what has arrived, up to `maximumCount` bytes, waiting until
    /// `deadline` for something to arrive. Returns an empty array at end of
    /// stream (the peer closed its side).
    ///
    /// - Throws: ``TransportError/timeout``, ``TransportError/cancelled``,
    ///   ``TransportError/receiveFailed(_:)`` (for example `ECONNRESET`),
    ///   ``TransportError/eventLoopShutDown``.
    public func receive(maximumCount: Int = 4096, deadline: ContinuousClock.Instant) async throws(TransportError)
        -> [UInt8] {
        precondition(maximumCount > 0, "maximumCount must be positive")
        while true {
            if isClosed.load(ordering: .acquiring) { throw .receiveFailed(.badFileDescriptor) }
            var received = [UInt8](repeating: 0, count: maximumCount)
            let result = received.withUnsafeMutableBytes { buffer in
                Result { () throws(Errno) in try sysRead(fd, into: buffer) }
            }
            switch result {
            case .failure(let error):
                throw .receiveFailed(error)
            case .success(.processed(let count)):
                received.removeSubrange(count...)
                return received
            case .success(.wouldBlock):
                try await wait(for: .readable, until: Deadline(deadline))
            }
        }
    }

    /// Sends all of `bytes`, waiting (until `deadline`) whenever the socket's
    /// buffer is full. A peer that has gone away gives
    /// ``TransportError/sendFailed(_:)`` with `EPIPE` or `ECONNRESET`, never `SIGPIPE`.
    ///
    /// - Throws: ``TransportError/timeout``, ``TransportError/cancelled``,
    ///   ``TransportError/sendFailed(_:)``, ``TransportError/eventLoopShutDown``.
    public func send(_ bytes: [UInt8], deadline: ContinuousClock.Instant) async throws(TransportError) {
        var offset = 0
        while offset < bytes.count {
            if isClosed.load(ordering: .acquiring) { throw .sendFailed(.badFileDescriptor) }
            let result = bytes.withUnsafeBytes { buffer in
                Result { () throws(Errno) in
                    try sysSend(fd, UnsafeRawBufferPointer(rebasing: buffer[offset...]), to: nil)
                }
            }
            switch result {
            case .failure(let error): throw .sendFailed(error)
            case .success(.processed(let count)): offset += count
            case .success(.wouldBlock): try await wait(for: .writable, until: Deadline(deadline))
            }
        }
    }

    /// Closes the connection. Idempotent.
    public func close() {
        guard !isClosed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        try? sysClose(fd)
    }

    private func wait(for interest: Interest, until deadline: Deadline) async throws(TransportError) {
        let outcome = await core.wait(
            fd: fd, for: interest, deadline: deadline, alreadyRegistered: isRegistered.load(ordering: .relaxed))
        switch outcome {
        case .ready: isRegistered.store(true, ordering: .relaxed)
        case .timedOut: throw .timeout
        case .cancelled: throw .cancelled
        case .shutDown: throw .eventLoopShutDown
        case .failed(let errno): throw .socketFailed(errno)
        }
    }
}
