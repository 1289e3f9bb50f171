/// Settings for extracting DNS messages from a capture.
public struct CaptureOptions: Sendable, Hashable {
    /// UDP and TCP ports that carry DNS; a packet is decoded when its source or destination port is here.
    public var dnsPorts: Set<UInt16>
    /// The most out-of-order TCP data held for one direction of one connection while waiting for a missing
    /// segment; past it the gap is skipped (reported as ``CaptureProblem/Kind/tcpBufferLimitExceeded(limit:)``).
    /// In-order data never needs more than one message (at most 65,537 bytes) per stream.
    public var maxStreamBufferBytes: Int
    /// When the input has no pcap or pcapng magic, read it as a `.tcpstream` file instead of throwing
    /// ``CaptureError/unknownFormat``.
    public var unrecognizedAsTCPStream: Bool

    /// Creates options; the defaults are port 53, a 4 MiB stream limit, and no `.tcpstream` fallback.
    public init(
        dnsPorts: Set<UInt16> = [53],
        maxStreamBufferBytes: Int = 4 << 20,
        unrecognizedAsTCPStream: Bool = false
    ) {
        self.dnsPorts = dnsPorts
        self.maxStreamBufferBytes = maxStreamBufferBytes
        self.unrecognizedAsTCPStream = unrecognizedAsTCPStream
    }
}
