/// How a captured DNS message travelled.
public enum CaptureTransport: Sendable, Hashable, CustomStringConvertible {
    /// One UDP datagram carried the message.
    case udp
    /// The message was reassembled from a TCP byte stream and unframed from its 2-byte length prefix.
    case tcp
    /// The message came from a `.tcpstream` file: a bare concatenation of length-prefixed messages.
    case stream

    /// `"udp"`, `"tcp"` or `"stream"`.
    public var description: String {
        switch self {
        case .udp: return "udp"
        case .tcp: return "tcp"
        case .stream: return "stream"
        }
    }
}
