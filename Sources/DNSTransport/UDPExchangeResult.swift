/// The outcome of a successful UDP exchange.
public struct UDPExchangeResult: Sendable, Hashable {
    /// The accepted datagram's payload.
    public var response: [UInt8]
    /// Where the accepted datagram came from.
    public var source: SocketAddress
    /// How many datagrams the `accept` closure dropped before this one.
    public var droppedDatagrams: Int

    /// Creates a result.
    public init(response: [UInt8], source: SocketAddress, droppedDatagrams: Int) {
        self.response = response
        self.source = source
        self.droppedDatagrams = droppedDatagrams
    }
}
