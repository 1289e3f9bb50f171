/// The parts of an IPv4 or IPv6 packet needed to find a UDP or TCP payload.
struct IPPacket {
    /// The source address.
    var source: CaptureAddress
    /// The destination address.
    var destination: CaptureAddress
    /// The upper-layer protocol (after any IPv6 extension headers): 6 TCP, 17 UDP, 4/41 IP-in-IP.
    var protocolNumber: UInt8
    /// The upper-layer bytes that were captured: clipped to the datagram's stated length (which drops
    /// Ethernet padding) and to the end of the frame.
    var payload: Range<Int>
    /// The datagram's stated length runs past the captured bytes (snapshot-length truncation).
    var truncated: Bool
    /// For a fragment (not an atomic IPv6 fragment), its identification field.
    var fragmentIdentification: UInt32?
    /// For a fragment, whether it is the first one (offset 0), which holds the transport header.
    var isFirstFragment: Bool

    /// The result of looking for an IP packet in a range of bytes.
    enum Decoding {
        /// A packet whose headers parsed.
        case packet(IPPacket)
        /// A header that cannot be parsed, reported as this problem.
        case malformed(CaptureProblem.Kind)
        /// Not IP at all (a raw-IP frame whose version nibble is neither 4 nor 6); skipped silently.
        case notIP
    }

    /// IPv6 extension headers chained deeper than this are treated as malformed.
    static let maximumExtensionHeaders = 16

    /// Parses the IP packet at `range`; `version` is the version the link layer announced, if any.
    static func decode(_ bytes: [UInt8], _ range: Range<Int>, version: UInt8?) -> Decoding {
        guard let first = range.isEmpty ? nil : bytes[range.lowerBound] else {
            return .malformed(version == 6 ? .malformedIPv6 : .malformedIPv4)
        }
        let nibble = first >> 4
        if let version, nibble != version {
            return .malformed(version == 6 ? .malformedIPv6 : .malformedIPv4)
        }
        switch nibble {
        case 4: return decodeIPv4(bytes, range)
        case 6: return decodeIPv6(bytes, range)
        default: return .notIP
        }
    }

    /// IPv4 (RFC 791): options skipped by IHL; a total length of 0 (segmentation offload) means "what was
    /// captured".
    private static func decodeIPv4(_ bytes: [UInt8], _ range: Range<Int>) -> Decoding {
        let start = range.lowerBound
        guard range.count >= 20 else { return .malformed(.malformedIPv4) }
        let headerLength = Int(bytes[start] & 0x0f) * 4
        guard headerLength >= 20, headerLength <= range.count else { return .malformed(.malformedIPv4) }
        var totalLength = Int(bytes.uint16(at: start + 2))
        if totalLength == 0 { totalLength = range.count }
        guard totalLength >= headerLength else { return .malformed(.malformedIPv4) }
        let flagsAndOffset = bytes.uint16(at: start + 6)
        let moreFragments = flagsAndOffset & 0x2000 != 0
        let fragmentOffset = flagsAndOffset & 0x1fff
        let isFragment = moreFragments || fragmentOffset != 0
        return .packet(
            IPPacket(
                source: .ipv4(bytes.uint32(at: start + 12)),
                destination: .ipv4(bytes.uint32(at: start + 16)),
                protocolNumber: bytes[start + 9],
                payload: (start + headerLength)..<(start + min(totalLength, range.count)),
                truncated: totalLength > range.count,
                fragmentIdentification: isFragment ? UInt32(bytes.uint16(at: start + 4)) : nil,
                isFirstFragment: fragmentOffset == 0
            )
        )
    }

    /// IPv6 (RFC 8200) with its extension-header chain: hop-by-hop (0), routing (43), destination options
    /// (60), mobility (135), HIP (139) and shim6 (140) share the "(length + 1) × 8" rule; AH (51) uses
    /// "(length + 2) × 4" (RFC 4302); a fragment header (44) marks a fragment unless it is atomic.
    private static func decodeIPv6(_ bytes: [UInt8], _ range: Range<Int>) -> Decoding {
        let start = range.lowerBound
        guard range.count >= 40 else { return .malformed(.malformedIPv6) }
        var nextHeader = bytes[start + 6]
        var totalLength = 40 + Int(bytes.uint16(at: start + 4))
        if totalLength == 40 && nextHeader == 0 {
            totalLength = range.count  // a jumbogram (RFC 2675) carries its length in a hop-by-hop option
        }
        let end = start + min(totalLength, range.count)
        let truncated = totalLength > range.count
        // A header chain cut short by the snapshot length is a truncated packet, not a malformed one.
        let cutShort: Decoding = .malformed(truncated ? .truncatedPacket : .malformedIPv6)
        var position = start + 40
        var fragment: UInt32?
        var firstFragment = true
        var chained = 0
        walk: while true {
            let headerLength: Int
            switch nextHeader {
            case 0, 43, 60, 135, 139, 140:
                guard end - position >= 2 else { return cutShort }
                headerLength = (Int(bytes[position + 1]) + 1) * 8
            case 51:
                guard end - position >= 2 else { return cutShort }
                headerLength = (Int(bytes[position + 1]) + 2) * 4
            case 44:
                headerLength = 8
                guard end - position >= 8 else { return cutShort }
                let offsetAndFlags = bytes.uint16(at: position + 2)
                if offsetAndFlags & 0xfff9 != 0 {  // a non-zero offset or the M flag: not atomic (RFC 6946)
                    fragment = bytes.uint32(at: position + 4)
                    firstFragment = offsetAndFlags >> 3 == 0
                }
            default:
                break walk
            }
            chained += 1
            guard chained <= maximumExtensionHeaders else { return .malformed(.malformedIPv6) }
            guard headerLength <= end - position else { return cutShort }
            nextHeader = bytes[position]
            position += headerLength
            if fragment != nil && !firstFragment { break walk }  // what follows is the middle of a datagram
        }
        return .packet(
            IPPacket(
                source: .ipv6(high: bytes.uint64(at: start + 8), low: bytes.uint64(at: start + 16)),
                destination: .ipv6(high: bytes.uint64(at: start + 24), low: bytes.uint64(at: start + 32)),
                protocolNumber: nextHeader,
                payload: position..<end,
                truncated: truncated,
                fragmentIdentification: fragment,
                isFirstFragment: firstFragment
            )
        )
    }
}
