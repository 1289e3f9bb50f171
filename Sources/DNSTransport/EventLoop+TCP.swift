@preconcurrency internal import Glibc

extension EventLoop {
    /// Sends `query` to `server` over TCP (RFC 7766 framing) and returns the first response message.
    ///
    /// Opens a fresh connection with a non-blocking `connect` (waiting for
    /// writability, then reading `SO_ERROR`), writes the two-byte big-endian
    /// length and the query (short writes continue where they stopped), then
    /// reads the two-byte length and exactly that many bytes, however the peer
    /// splits them. Every wait is bounded by the same `deadline`, so a peer that
    /// trickles one byte at a time cannot hold the exchange past it. The
    /// connection is closed on every path.
    ///
    /// - Parameters:
    ///   - query: The message to send (at most 65535 bytes).
    ///   - server: Where to connect.
    ///   - deadline: When to give up with ``TransportError/timeout``.
    ///   - maximumResponseLength: A response length prefix above this throws
    ///     ``TransportError/messageTooLarge(length:limit:)`` before its body is read.
    /// - Throws: ``TransportError/timeout``, ``TransportError/cancelled``,
    ///   ``TransportError/connectFailed(_:)``, ``TransportError/sendFailed(_:)``,
    ///   ``TransportError/receiveFailed(_:)``, ``TransportError/closedBeforeResponse``,
    ///   ``TransportError/closedMidLength``, ``TransportError/closedMidMessage(received:expected:)``,
    ///   ``TransportError/messageTooLarge(length:limit:)``, ``TransportError/socketFailed(_:)``,
    ///   ``TransportError/eventLoopShutDown``.
    public func tcpExchange(
        _ query: [UInt8],
        to server: SocketAddress,
        deadline: ContinuousClock.Instant,
        maximumResponseLength: Int = TCPFraming.maximumMessageLength
    ) async throws(TransportError) -> [UInt8] {
        let deadline = Deadline(deadline)
        let frame = try TCPFraming.frame(query)
        if Task.isCancelled { throw .cancelled }
        let core = try runningCore()
        var socket = try Socket(family: server.family, type: CInt(SOCK_STREAM.rawValue))
        let fd = socket.fd

        // Connect.
        let connected: Bool
        do {
            connected = try sysConnect(fd, to: server)
        } catch {
            throw .connectFailed(error)
        }
        if !connected {
            try await socket.wait(for: .writable, until: deadline, on: core)
            let pending: Errno?
            do {
                pending = try sysPendingSocketError(fd)
            } catch {
                throw .connectFailed(error)
            }
            if let pending { throw .connectFailed(pending) }
        }

        // Write the framed query, resuming after short writes.
        var offset = 0
        while offset < frame.count {
            let written = frame.withUnsafeBytes { bytes in
                Result { () throws(Errno) in
                    try sysSend(fd, UnsafeRawBufferPointer(rebasing: bytes[offset...]), to: nil)
                }
            }
            switch written {
            case .failure(let error): throw .sendFailed(error)
            case .success(.processed(let count)): offset += count
            case .success(.wouldBlock): try await socket.wait(for: .writable, until: deadline, on: core)
            }
        }

        // Read until one complete message is buffered.
        var decoder = TCPFrameDecoder(maximumMessageLength: maximumResponseLength)
        while true {
            if let message = try decoder.nextMessage() { return message }
            let wanted = min(max(decoder.bytesNeeded, 1), TCPFraming.maximumMessageLength + 2)
            let received: IOResult<Int>
            do {
                received = try Self.read(fd, upTo: wanted, into: &decoder)
            } catch {
                throw .receiveFailed(error)
            }
            switch received {
            case .processed(0):
                throw decoder.endOfStreamError ?? .closedBeforeResponse
            case .processed:
                continue
            case .wouldBlock:
                try await socket.wait(for: .readable, until: deadline, on: core)
            }
        }
    }

    /// Reads at most `count` bytes into the frame decoder through a temporary
    /// buffer on the thread's stack (never inlined into the async caller, whose
    /// temporary allocations would live in the task's allocator until it ends).
    @inline(never)
    private static func read(_ fd: CInt, upTo count: Int, into decoder: inout TCPFrameDecoder) throws(Errno) -> IOResult<Int> {
        try withUnsafeTemporaryAllocation(byteCount: count, alignment: 1) {
            (buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> IOResult<Int> in
            let result = try sysRead(fd, into: buffer)
            if case .processed(let received) = result, received > 0 {
                decoder.append(UnsafeRawBufferPointer(rebasing: buffer[..<received]))
            }
            return result
        }
    }
}
