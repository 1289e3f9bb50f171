public import DNSTransport

/// The two exchanges a ``Resolver`` needs: one UDP query with a filter for
/// what may count as its answer, and one TCP query.
///
/// ``SocketTransport`` does them over Glibc sockets; a test can substitute
/// its own to inject faults the kernel would not produce.
public protocol DNSExchangeTransport: Sendable {
    /// Sends `query` to `server` from a fresh socket on an ephemeral port and
    /// returns the first datagram that `accept` approves before `deadline`;
    /// every other datagram is dropped and waiting goes on. `accept` may be
    /// called on another thread than the caller's, one call at a time.
    func exchangeUDP(_ query: [UInt8], with server: SocketAddress, deadline: ContinuousClock.Instant,
                     accept: @escaping @Sendable (_ datagram: [UInt8], _ source: SocketAddress) -> Bool)
        async throws(TransportError) -> [UInt8]

    /// Sends `query` over a new TCP connection with 2-byte length framing and
    /// returns the one response, or fails at `deadline`.
    func exchangeTCP(_ query: [UInt8], with server: SocketAddress, deadline: ContinuousClock.Instant)
        async throws(TransportError) -> [UInt8]
}

/// The real transport: Glibc sockets driven by one shared epoll event loop.
///
/// An exchange made from a task that runs on an event loop (its executor
/// preference is one, see ``EventLoop``) runs on that loop instead: the
/// response and the task then meet on one thread, with no hand-off.
public struct SocketTransport: DNSExchangeTransport {
    /// The event loop the sockets run on, unless the calling task runs on
    /// another (``EventLoop/current``).
    public let eventLoop: EventLoop

    /// Creates the transport on `eventLoop` (the process-wide loop by default).
    public init(eventLoop: EventLoop = .shared) {
        self.eventLoop = eventLoop
    }

    /// See ``DNSExchangeTransport/exchangeUDP(_:with:deadline:accept:)``.
    public func exchangeUDP(_ query: [UInt8], with server: SocketAddress, deadline: ContinuousClock.Instant,
                            accept: @escaping @Sendable (_ datagram: [UInt8], _ source: SocketAddress) -> Bool)
        async throws(TransportError) -> [UInt8] {
        try await (EventLoop.current ?? eventLoop).udpExchange(query, to: server, deadline: deadline) { datagram, source in
            accept(datagram, source) ? .accept : .drop
        }.response
    }

    /// See ``DNSExchangeTransport/exchangeTCP(_:with:deadline:)``.
    public func exchangeTCP(_ query: [UInt8], with server: SocketAddress, deadline: ContinuousClock.Instant)
        async throws(TransportError) -> [UInt8] {
        try await (EventLoop.current ?? eventLoop).tcpExchange(query, to: server, deadline: deadline)
    }
}
