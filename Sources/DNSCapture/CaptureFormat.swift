/// The container format of a capture file.
public enum CaptureFormat: Sendable, Hashable, CustomStringConvertible {
    /// Classic libpcap format (either byte order, microsecond or nanosecond timestamps).
    case pcap
    /// pcapng (one or more sections).
    case pcapng
    /// A `.tcpstream` file: `[2-byte big-endian length][message]` repeated, with no header.
    case tcpStream

    /// `"pcap"`, `"pcapng"` or `"tcpstream"`.
    public var description: String {
        switch self {
        case .pcap: return "pcap"
        case .pcapng: return "pcapng"
        case .tcpStream: return "tcpstream"
        }
    }
}
