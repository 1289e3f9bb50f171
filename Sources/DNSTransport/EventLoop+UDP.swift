@preconcurrency internal import Glibc
import Synchronization

extension EventLoop {
    /// Sends `query` to `server` over UDP and waits for the response.
    ///
    /// A fresh socket is opened for every exchange. It is *not* connected and
    /// not bound: the kernel gives it a random ephemeral port when the query is
    /// sent, and it receives datagrams from any source. Every datagram is shown
    /// to `accept` with its source address. A `.drop` verdict discards it
    /// (counted in ``UDPExchangeResult/droppedDatagrams``) and waiting goes on;
    /// the first `.accept`ed datagram is returned.
    ///
    /// The datagrams are received and shown to `accept` on the thread that
    /// sees the socket readable (usually the event loop's), so the calling
    /// task is resumed once, with the result, and keeps a single small frame
    /// while it waits: that is what lets thousands of exchanges be in flight
    /// in little memory. `accept` must therefore be quick and must not block.
    /// Checking the source, ID and
    /// question is the caller's job; a typical `accept` starts with
    /// `source == server`.
    ///
    /// Because the socket is unconnected, an ICMP "port unreachable" is not
    /// reported: a server that is down looks like silence and ends in
    /// ``TransportError/timeout``.
    ///
    /// The socket is closed on every path: response, error, timeout and cancellation.
    ///
    /// - Parameters:
    ///   - query: The datagram to send (at most 65535 bytes).
    ///   - server: Where to send it.
    ///   - deadline: When to give up with ``TransportError/timeout``. Also bounds a
    ///     flood of dropped datagrams.
    ///   - accept: Called for every datagram received, one call at a time,
    ///     on the event loop's thread (or the caller's).
    /// - Throws: ``TransportError/timeout``, ``TransportError/cancelled``,
    ///   ``TransportError/socketFailed(_:)``, ``TransportError/sendFailed(_:)``,
    ///   ``TransportError/receiveFailed(_:)``, ``TransportError/messageTooLarge(length:limit:)``,
    ///   ``TransportError/eventLoopShutDown``.
    public func udpExchange(
        _ query: [UInt8],
        to server: SocketAddress,
        deadline: ContinuousClock.Instant,
        accept: @escaping @Sendable (_ datagram: [UInt8], _ source: SocketAddress) -> DatagramVerdict
    ) async throws(TransportError) -> UDPExchangeResult {
        try await udpExchange(query, to: server, deadline: Deadline(deadline), accept: accept).result()
    }

    /// ``udpExchange(_:to:deadline:accept:)`` with the package's own deadline
    /// type (no `ContinuousClock.Instant` in the frames of an exchange in
    /// flight), returning the finished exchange (no result struct in the
    /// caller's frame either): its ``DatagramExchange/result()`` is the answer.
    package func udpExchange(
        _ query: [UInt8],
        to server: SocketAddress,
        deadline: Deadline,
        accept: @escaping @Sendable (_ datagram: [UInt8], _ source: SocketAddress) -> DatagramVerdict
    ) async throws(TransportError) -> DatagramExchange {
        // Everything but the waits is synchronous and out of line, so that an
        // exchange in flight holds one reference in this frame.
        let exchange = try DatagramExchange(query, to: server, accept: accept, on: self)
        if exchange.awaitsWritable {
            try await exchange.sendWhenWritable(query, until: deadline)
        }
        // A response needs a round trip: wait for readability before the first
        // receive rather than pay a receive that would block (it almost always
        // would: measured at 83 % of queries against a local unbound).
        let outcome = await exchange.core.wait(fd: exchange.fd, for: .readable, deadline: deadline,
                                               alreadyRegistered: exchange.isRegistered, handler: exchange)
        try exchange.check(after: outcome)
        return exchange
    }

    /// One UDP exchange: owns its socket (closed when the exchange is
    /// released, on every path), sends the query, and receives and filters
    /// the datagrams as the socket becomes readable, keeping the first one
    /// accepted.
    package final class DatagramExchange: ReadinessHandler {
        /// The most datagrams taken per readiness: a flood of dropped ones
        /// then cannot hold the loop thread, and the deadline still ends it.
        static let datagramsPerTurn = 64

        let core: EventLoopCore
        /// The socket, closed when the exchange is released.
        private let socket: Socket
        var fd: CInt { socket.fd }
        private let server: SocketAddress
        private let accept: @Sendable (_ datagram: [UInt8], _ source: SocketAddress) -> DatagramVerdict
        /// The first send found the socket buffer full.
        let awaitsWritable: Bool
        private struct State {
            /// The descriptor is in the epoll set.
            var isRegistered = false
            var dropped = 0
            var result: Result<UDPExchangeResult, TransportError>?
        }
        private let state = Mutex(State())

        /// Checks the query, opens the socket and sends (unless the socket
        /// buffer is full: then ``awaitsWritable``).
        @inline(never)
        init(_ query: [UInt8], to server: SocketAddress,
             accept: @escaping @Sendable (_ datagram: [UInt8], _ source: SocketAddress) -> DatagramVerdict,
             on loop: EventLoop) throws(TransportError) {
            guard query.count <= TCPFraming.maximumMessageLength else {
                throw .messageTooLarge(length: query.count, limit: TCPFraming.maximumMessageLength)
            }
            if Task.isCancelled { throw .cancelled }
            core = try loop.runningCore()
            socket = try Socket(family: server.family, type: CInt(SOCK_DGRAM.rawValue))
            self.server = server
            self.accept = accept
            // A throw from here on releases `socket`, which closes it.
            awaitsWritable = try !EventLoop.send(query, on: socket.fd, to: server)
        }

        var isRegistered: Bool { state.withLock { $0.isRegistered } }

        /// Sends once the socket buffer has room (rare: out of line).
        @inline(never)
        func sendWhenWritable(_ query: [UInt8], until deadline: Deadline) async throws(TransportError) {
            repeat {
                let outcome = await core.wait(fd: fd, for: .writable, deadline: deadline,
                                              alreadyRegistered: isRegistered)
                try Socket.check(outcome)
                state.withLock { $0.isRegistered = true }
            } while try !EventLoop.send(query, on: fd, to: server)
        }

        func descriptorReady() -> Bool {
            var dropped = state.withLock { $0.dropped }
            defer { state.withLock { $0.dropped = dropped } }
            for _ in 0..<Self.datagramsPerTurn {
                let step: ReceiveStep
                do {
                    step = try EventLoop.receive(on: fd, dropped: &dropped, accept)
                } catch {
                    state.withLock { $0.result = .failure(error) }
                    return true
                }
                switch step {
                case .accepted(let result):
                    state.withLock { $0.result = .success(result) }
                    return true
                case .dropped:
                    continue
                case .wouldBlock:
                    return false
                }
            }
            return false
        }

        /// Throws why there is no accepted datagram, once the wait ended
        /// with `outcome`.
        @inline(never)
        func check(after outcome: WaitOutcome) throws(TransportError) {
            try Socket.check(outcome)
            _ = try result()
        }

        /// The accepted datagram, or why there is none.
        package func result() throws(TransportError) -> UDPExchangeResult {
            guard let result = state.withLock({ $0.result }) else {
                // Cannot happen after `check(after:)`: a wait with a handler
                // is ready only when the handler is done.
                throw .receiveFailed(Errno(rawValue: EIO))
            }
            return try result.get()
        }
    }

    /// What one receive attempt gave.
    enum ReceiveStep {
        case accepted(UDPExchangeResult)
        case dropped
        case wouldBlock
    }

    /// Sends the query once; false when the socket buffer is full.
    @inline(never)
    static func send(_ query: [UInt8], on fd: CInt, to server: SocketAddress) throws(TransportError) -> Bool {
        let sent = query.withUnsafeBytes { bytes in
            Result { () throws(Errno) in try sysSend(fd, bytes, to: server) }
        }
        switch sent {
        case .failure(let error): throw .sendFailed(error)
        case .success(.processed): return true
        case .success(.wouldBlock): return false
        }
    }

    /// Receives one datagram, if there is one, and shows it to `accept`.
    /// Synchronous and out of line, so none of this is in the async frame.
    @inline(never)
    static func receive(
        on fd: CInt, dropped: inout Int,
        _ accept: (_ datagram: [UInt8], _ source: SocketAddress) -> DatagramVerdict
    ) throws(TransportError) -> ReceiveStep {
        let received: IOResult<ReceivedDatagram>
        do {
            received = try receiveDatagram(fd)
        } catch {
            throw .receiveFailed(error)
        }
        switch received {
        case .processed(let (datagram, source)):
            if let source, accept(datagram, source) == .accept {
                return .accepted(UDPExchangeResult(response: datagram, source: source, droppedDatagrams: dropped))
            }
            dropped += 1
            return .dropped
        case .wouldBlock:
            return .wouldBlock
        }
    }

    /// A received payload and where it came from.
    private typealias ReceivedDatagram = (datagram: [UInt8], source: SocketAddress?)

    /// Receives one datagram into the thread's 65535-byte buffer
    /// (``ThreadReceiveBuffer``) and copies out its payload.
    ///
    /// Never inlined, and synchronous on purpose: a temporary buffer in an
    /// async caller would be a task allocation, and a task keeps the slab of
    /// its largest allocation until it ends, so every evaluation in flight
    /// would hold 64 KiB of memory (measured: ~170 MiB with 10,000 in flight).
    @inline(never)
    private static func receiveDatagram(_ fd: CInt) throws(Errno) -> IOResult<ReceivedDatagram> {
        try ThreadReceiveBuffer.with {
            (buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> IOResult<ReceivedDatagram> in
            switch try sysReceive(fd, into: buffer) {
            case .wouldBlock:
                return .wouldBlock
            case .processed(let (count, source)):
                return .processed((Array(UnsafeRawBufferPointer(rebasing: buffer[..<count])), source))
            }
        }
    }
}
