/// Something that exchanges opaque DNS messages with a server over UDP and TCP.
///
/// ``EventLoop`` is the real implementation. The resolver can depend on this
/// protocol instead, so its tests can substitute an in-memory fake.
public protocol MessageTransport: Sendable {
    /// Sends `query` over UDP and returns the first datagram `accept` approves;
    /// see ``EventLoop/udpExchange(_:to:deadline:accept:)``.
    func udpExchange(
        _ query: [UInt8],
        to server: SocketAddress,
        deadline: ContinuousClock.Instant,
        accept: (_ datagram: [UInt8], _ source: SocketAddress) -> DatagramVerdict
    ) async throws(TransportError) -> UDPExchangeResult

    /// Sends `query` over TCP and returns the first response message;
    /// see ``EventLoop/tcpExchange(_:to:deadline:maximumResponseLength:)``.
    func tcpExchange(
        _ query: [UInt8],
        to server: SocketAddress,
        deadline: ContinuousClock.Instant,
        maximumResponseLength: Int
    ) async throws(TransportError) -> [UInt8]
}

extension MessageTransport {
    /// Sends `query` over TCP, accepting responses up to 65535 bytes.
    public func tcpExchange(
        _ query: [UInt8],
        to server: SocketAddress,
        deadline: ContinuousClock.Instant
    ) async throws(TransportError) -> [UInt8] {
        try await tcpExchange(
            query,
            to: server,
            deadline: deadline,
            maximumResponseLength: TCPFraming.maximumMessageLength
        )
    }
}

extension EventLoop: MessageTransport {}
