/// Something wrong with one packet (or one TCP stream) that was skipped while the rest of the capture was read.
///
/// Problems are only reported for traffic that could be DNS: damaged packets on other ports are skipped
/// silently, and an unsupported link type is reported once per interface rather than once per frame.
public struct CaptureProblem: Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Hashable, CustomStringConvertible {
        /// The interface's link-layer type cannot be decoded; reported for its first frame only.
        case unsupportedLinkType(UInt16)
        /// A pcapng packet block names an interface that no Interface Description Block defined.
        case unknownInterface(UInt32)
        /// A pcapng block's contents disagree with its length (for example a captured length past the
        /// block's end); the block was skipped.
        case malformedBlock(type: UInt32)
        /// An `if_tsresol` option has an exponent too large to convert; microseconds were assumed.
        case badTimestampResolution(UInt8)
        /// The frame ends inside its link-layer header.
        case truncatedLinkHeader
        /// An IPv4 header is shorter than 20 bytes, has the wrong version or IHL, or a total length shorter
        /// than its header.
        case malformedIPv4
        /// An IPv6 header is shorter than 40 bytes, has the wrong version, or an extension header runs past
        /// the payload.
        case malformedIPv6
        /// An IP fragment; fragments are not reassembled and their payload is not decoded.
        case ipFragment(identification: UInt32)
        /// The packet was cut short by the capture's snapshot length, so its DNS payload is incomplete.
        case truncatedPacket
        /// A UDP header is cut short, or its length field is below 8 or exceeds the bytes in the IP payload.
        case malformedUDP
        /// A TCP header is cut short or has a data offset below 5 words or past the segment's end.
        case malformedTCP
        /// A TCP stream stopped inside a DNS message: at the end of the capture, when the connection was
        /// reused, or before a gap that was skipped. `bytes` counts what was received of it.
        case tcpIncompleteMessage(bytes: Int)
        /// A TCP stream had a hole of `missingBytes` in its sequence space that was never filled (segments
        /// missing from the capture). Reading resumed at the next segment received after the hole; the
        /// problem names that segment's frame.
        case tcpGap(missingBytes: Int)
        /// A TCP stream held more out-of-order data than ``CaptureOptions/maxStreamBufferBytes`` allows, so
        /// the gap before it was skipped early (and reported as ``tcpGap(missingBytes:)``).
        case tcpBufferLimitExceeded(limit: Int)

        /// A stable identifier for the kind without its associated values (`"ipFragment"`, `"tcpGap"`, …),
        /// for grouping problems in counts.
        public var name: String {
            switch self {
            case .unsupportedLinkType: return "unsupportedLinkType"
            case .unknownInterface: return "unknownInterface"
            case .malformedBlock: return "malformedBlock"
            case .badTimestampResolution: return "badTimestampResolution"
            case .truncatedLinkHeader: return "truncatedLinkHeader"
            case .malformedIPv4: return "malformedIPv4"
            case .malformedIPv6: return "malformedIPv6"
            case .ipFragment: return "ipFragment"
            case .truncatedPacket: return "truncatedPacket"
            case .malformedUDP: return "malformedUDP"
            case .malformedTCP: return "malformedTCP"
            case .tcpIncompleteMessage: return "tcpIncompleteMessage"
            case .tcpGap: return "tcpGap"
            case .tcpBufferLimitExceeded: return "tcpBufferLimitExceeded"
            }
        }

        /// A short English description.
        public var description: String {
            switch self {
            case .unsupportedLinkType(let type): return "unsupported link type \(type)"
            case .unknownInterface(let id): return "packet names undefined interface \(id)"
            case .malformedBlock(let type): return "malformed pcapng block of type \(type)"
            case .badTimestampResolution(let value): return "unusable if_tsresol \(value)"
            case .truncatedLinkHeader: return "truncated link-layer header"
            case .malformedIPv4: return "malformed IPv4 header"
            case .malformedIPv6: return "malformed IPv6 header"
            case .ipFragment(let id): return "IP fragment (id \(id)) not reassembled"
            case .truncatedPacket: return "packet truncated by the capture's snapshot length"
            case .malformedUDP: return "malformed UDP header"
            case .malformedTCP: return "malformed TCP header"
            case .tcpIncompleteMessage(let bytes): return "TCP stream stopped inside a message (\(bytes) bytes of it)"
            case .tcpGap(let missing): return "TCP stream skipped a gap of \(missing) bytes never captured"
            case .tcpBufferLimitExceeded(let limit): return "TCP stream exceeded the \(limit)-byte buffer limit"
            }
        }
    }

    /// What went wrong.
    public var kind: Kind
    /// The 1-based frame number concerned, or `nil` when the problem is not about one frame. For TCP stream
    /// problems, the last frame that added data to the stream.
    public var frame: Int?
    /// The byte offset in the input of that frame's record or block.
    public var offset: Int
    /// The sending endpoint, when the ports could be read.
    public var source: CaptureEndpoint?
    /// The receiving endpoint, when the ports could be read.
    public var destination: CaptureEndpoint?

    /// Creates a problem record.
    public init(
        kind: Kind,
        frame: Int?,
        offset: Int,
        source: CaptureEndpoint? = nil,
        destination: CaptureEndpoint? = nil
    ) {
        self.kind = kind
        self.frame = frame
        self.offset = offset
        self.source = source
        self.destination = destination
    }

    /// `frame 12 (offset 3456): malformed UDP header [192.0.2.1:53 > 192.0.2.2:5353]`.
    public var description: String {
        var text = frame.map { "frame \($0) (offset \(offset)): " } ?? "offset \(offset): "
        text += kind.description
        if let source, let destination {
            text += " [\(source) > \(destination)]"
        }
        return text
    }
}
