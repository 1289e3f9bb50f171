@preconcurrency internal import Glibc

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
    /// the first `.accept`ed datagram is returned. Checking the source, ID and
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
    ///   - accept: Called on the caller's task for every datagram received.
    /// - Throws: ``TransportError/timeout``, ``TransportError/cancelled``,
    ///   ``TransportError/socketFailed(_:)``, ``TransportError/sendFailed(_:)``,
    ///   ``TransportError/receiveFailed(_:)``, ``TransportError/messageTooLarge(length:limit:)``,
    ///   ``TransportError/eventLoopShutDown``.
    public func udpExchange(
        _ query: [UInt8],
        to server: SocketAddress,
        deadline: ContinuousClock.Instant,
        accept: (_ datagram: [UInt8], _ source: SocketAddress) -> DatagramVerdict
    ) async throws(TransportError) -> UDPExchangeResult {
        guard query.count <= TCPFraming.maximumMessageLength else {
            throw .messageTooLarge(length: query.count, limit: TCPFraming.maximumMessageLength)
        }
        if Task.isCancelled { throw .cancelled }
        let core = try runningCore()
        var socket = try Socket(family: server.family, type: CInt(SOCK_DGRAM.rawValue))
        let fd = socket.fd

        sending: while true {
            let sent = query.withUnsafeBytes { bytes in
                Result { () throws(Errno) in try sysSend(fd, bytes, to: server) }
            }
            switch sent {
            case .failure(let error): throw .sendFailed(error)
            case .success(.processed): break sending
            case .success(.wouldBlock): try await socket.wait(for: .writable, until: deadline, on: core)
            }
        }

        var dropped = 0
        while true {
            let received: IOResult<ReceivedDatagram>
            do {
                received = try Self.receiveDatagram(fd)
            } catch {
                throw .receiveFailed(error)
            }
            switch received {
            case .processed(let (datagram, source)):
                if let source, accept(datagram, source) == .accept {
                    return UDPExchangeResult(response: datagram, source: source, droppedDatagrams: dropped)
                }
                dropped += 1
                if Task.isCancelled { throw .cancelled }
                if ContinuousClock.now >= deadline { throw .timeout }
            case .wouldBlock:
                try await socket.wait(for: .readable, until: deadline, on: core)
            }
        }
    }

    /// A received payload and where it came from.
    private typealias ReceivedDatagram = (datagram: [UInt8], source: SocketAddress?)

    /// Receives one datagram into a temporary 65535-byte buffer and copies out its payload.
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
