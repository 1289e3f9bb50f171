/// One DNS message payload found in a capture, with where and when it was seen.
public struct CapturedMessage: Sendable, Hashable {
    /// The bare DNS message: no link, IP, UDP or TCP header and no TCP length prefix.
    public var bytes: [UInt8]
    /// How the message travelled.
    public var transport: CaptureTransport
    /// The sender, when known (`nil` for `.tcpstream` input).
    public var source: CaptureEndpoint?
    /// The receiver, when known (`nil` for `.tcpstream` input).
    public var destination: CaptureEndpoint?
    /// When the packet was captured (`nil` when the format records no time, as in pcapng Simple Packet
    /// Blocks and `.tcpstream` files). For TCP, the time of the segment that completed the message.
    public var timestamp: CaptureTimestamp?
    /// The 1-based number of the frame the message came from, counted as Wireshark counts frames. For TCP,
    /// the frame whose segment completed the message; for `.tcpstream` input, the 1-based message number.
    public var frame: Int
    /// The byte offset in the input of that frame's record or block (for `.tcpstream`, of the length prefix).
    public var offset: Int

    /// Creates a message record.
    public init(
        bytes: [UInt8],
        transport: CaptureTransport,
        source: CaptureEndpoint? = nil,
        destination: CaptureEndpoint? = nil,
        timestamp: CaptureTimestamp? = nil,
        frame: Int,
        offset: Int
    ) {
        self.bytes = bytes
        self.transport = transport
        self.source = source
        self.destination = destination
        self.timestamp = timestamp
        self.frame = frame
        self.offset = offset
    }
}
