@preconcurrency internal import Glibc
import Synchronization

extension EventLoop {
    /// The receive buffer for one datagram: the largest UDP payload.
    static let datagramBufferSize = 65535

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
    /// in little memory. `accept` must therefore be quick and must not block. Checking the source, ID and
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
        guard query.count <= TCPFraming.maximumMessageLength else {
            throw .messageTooLarge(length: query.count, limit: TCPFraming.maximumMessageLength)
        }
        if Task.isCancelled { throw .cancelled }
        let core = try runningCore()
        var socket = try Socket(family: server.family, type: CInt(SOCK_DGRAM.rawValue))

        while try !Self.send(query, on: socket.fd, to: server) {
            try await socket.wait(for: .writable, until: deadline, on: core)
        }

        // A response needs a round trip: wait for readability before the first
        // receive rather than pay a receive that would block (it almost always
        // would: measured at 83 % of queries against a local unbound).
        let reception = DatagramReception(fd: socket.fd, accept: accept)
        try await socket.wait(for: .readable, until: deadline, on: core, handler: reception)
        return try reception.result()
    }

    /// Receives the datagrams of one exchange as the socket becomes readable,
    /// and keeps the first accepted one.
    final class DatagramReception: ReadinessHandler {
        /// The most datagrams taken per readiness: a flood of dropped ones
        /// then cannot hold the loop thread, and the deadline still ends it.
        static let datagramsPerTurn = 64

        private let fd: CInt
        private let accept: @Sendable (_ datagram: [UInt8], _ source: SocketAddress) -> DatagramVerdict
        private let state = Mutex<(dropped: Int, result: Result<UDPExchangeResult, TransportError>?)>((0, nil))

        init(fd: CInt, accept: @escaping @Sendable (_ datagram: [UInt8], _ source: SocketAddress) -> DatagramVerdict) {
            self.fd = fd
            self.accept = accept
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

        /// The accepted datagram or the receive error, once the wait ended
        /// with `.ready`.
        func result() throws(TransportError) -> UDPExchangeResult {
            guard let result = state.withLock({ $0.result }) else {
                // Cannot happen: a wait with a handler is ready only when the handler is done.
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
    private static func send(_ query: [UInt8], on fd: CInt, to server: SocketAddress) throws(TransportError) -> Bool {
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

    /// Receives one datagram into a temporary 65535-byte buffer and copies out its payload.
    ///
    /// Never inlined, and synchronous on purpose: the temporary buffer then
    /// lives on the thread's stack for the duration of one `recvfrom`. Inlined
    /// into the async caller it would be a task allocation, and a task keeps
    /// the slab of its largest allocation until it ends, so every evaluation
    /// in flight would hold 64 KiB of memory (measured: ~170 MiB with 10,000
    /// in flight).
    @inline(never)
    private static func receiveDatagram(_ fd: CInt) throws(Errno) -> IOResult<ReceivedDatagram> {
        try withUnsafeTemporaryAllocation(byteCount: datagramBufferSize, alignment: 1) {
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
