/// Where the IP packet sits inside a frame, or why there is none.
enum LinkDecoding: Equatable {
    /// The IP packet occupies `range`; `version` is 4 or 6 when the link header said so, or `nil` when the
    /// IP header's own version nibble decides (raw IP, MPLS).
    case network(Range<Int>, version: UInt8?)
    /// The frame carries something other than IP (ARP, LLC, …); skipped silently.
    case notIP
    /// The frame ends inside its link-layer header.
    case truncated
    /// The link-layer type is not one this module decodes.
    case unsupported
}

/// Link-layer header decoders, keyed by LINKTYPE_* value (https://www.tcpdump.org/linktypes.html).
enum LinkLayer {
    static let null: UInt16 = 0
    static let ethernet: UInt16 = 1
    static let rawOpenBSD: UInt16 = 12
    static let rawBSD: UInt16 = 14
    static let raw: UInt16 = 101
    static let loop: UInt16 = 108
    static let linuxSLL: UInt16 = 113
    static let ipv4: UInt16 = 228
    static let ipv6: UInt16 = 229
    static let nflog: UInt16 = 239
    static let pktap: UInt16 = 258
    static let linuxSLL2: UInt16 = 276

    /// VLAN tags (802.1Q and 802.1ad, plus the pre-standard 0x9100/0x9200) nested deeper than this are
    /// treated as a malformed frame.
    static let maximumTagDepth = 8

    /// Finds the IP packet in `range` of `bytes` for a frame of the given link type.
    static func decode(linkType: UInt16, bytes: [UInt8], range: Range<Int>) -> LinkDecoding {
        let start = range.lowerBound
        let count = range.count
        switch linkType {
        case ethernet:
            return decodeEthernet(bytes, range)
        case raw, rawOpenBSD, rawBSD:
            return .network(range, version: nil)
        case ipv4:
            return .network(range, version: 4)
        case ipv6:
            return .network(range, version: 6)
        case null:
            // The address family is in the capturing host's byte order, which the file does not record.
            guard count >= 4 else { return .truncated }
            let family =
                addressFamily(bytes.uint32(at: start, bigEndian: false))
                ?? addressFamily(bytes.uint32(at: start, bigEndian: true))
            if let family { return .network((start + 4)..<range.upperBound, version: family) }
            // Some writers put an EtherType in the low half of the header instead (as Wireshark allows).
            return etherType(bytes.uint16(at: start + 2), bytes, (start + 4)..<range.upperBound)
        case loop:
            guard count >= 4 else { return .truncated }
            guard let family = addressFamily(bytes.uint32(at: start)) else { return .notIP }
            return .network((start + 4)..<range.upperBound, version: family)
        case linuxSLL:
            guard count >= 16 else { return .truncated }
            return etherType(bytes.uint16(at: start + 14), bytes, (start + 16)..<range.upperBound)
        case linuxSLL2:
            guard count >= 20 else { return .truncated }
            return etherType(bytes.uint16(at: start), bytes, (start + 20)..<range.upperBound)
        case nflog:
            return decodeNFLOG(bytes, range)
        case pktap:
            // Apple PKTAP: a little-endian header length and inner link type, then the inner frame.
            guard count >= 8 else { return .truncated }
            let headerLength = Int(bytes.uint32(at: start, bigEndian: false))
            let inner = bytes.uint32(at: start + 4, bigEndian: false)
            guard headerLength >= 8, headerLength <= count, inner != UInt32(pktap), inner <= UInt32(UInt16.max)
            else { return .truncated }
            return decode(linkType: UInt16(inner), bytes: bytes, range: (start + headerLength)..<range.upperBound)
        default:
            return .unsupported
        }
    }

    /// The IP version for a BSD address family value: AF_INET is 2 everywhere; AF_INET6 is 10 (Linux),
    /// 24 (NetBSD, OpenBSD), 28 (FreeBSD) or 30 (macOS).
    private static func addressFamily(_ value: UInt32) -> UInt8? {
        switch value {
        case 2: return 4
        case 10, 24, 28, 30: return 6
        default: return nil
        }
    }

    /// Maps an EtherType to an IP version; PPPoE sessions and MPLS label stacks are unwrapped.
    private static func etherType(_ type: UInt16, _ bytes: [UInt8], _ range: Range<Int>) -> LinkDecoding {
        switch type {
        case 0x0800:
            return .network(range, version: 4)
        case 0x86dd:
            return .network(range, version: 6)
        case 0x8864:
            // PPPoE session: version/type, code, session id, length, then a 2-byte PPP protocol.
            guard range.count >= 8 else { return .truncated }
            let body = (range.lowerBound + 8)..<range.upperBound
            switch bytes.uint16(at: range.lowerBound + 6) {
            case 0x0021: return .network(body, version: 4)
            case 0x0057: return .network(body, version: 6)
            default: return .notIP
            }
        case 0x8847, 0x8848:
            // MPLS: 4-byte labels until the bottom-of-stack bit, then (usually) IP, told apart by its version.
            var position = range.lowerBound
            for _ in 0..<maximumTagDepth {
                guard range.upperBound - position >= 4 else { return .truncated }
                let bottom = bytes[position + 2] & 1 == 1
                position += 4
                if bottom { return .network(position..<range.upperBound, version: nil) }
            }
            return .truncated
        default:
            return .notIP
        }
    }

    /// Ethernet II with any number (up to ``maximumTagDepth``) of VLAN tags.
    private static func decodeEthernet(_ bytes: [UInt8], _ range: Range<Int>) -> LinkDecoding {
        guard range.count >= 14 else { return .truncated }
        var position = range.lowerBound + 12
        var type = bytes.uint16(at: position)
        position += 2
        var tags = 0
        while type == 0x8100 || type == 0x88a8 || type == 0x9100 || type == 0x9200 {
            tags += 1
            guard tags <= maximumTagDepth, range.upperBound - position >= 4 else { return .truncated }
            type = bytes.uint16(at: position + 2)
            position += 4
        }
        return etherType(type, bytes, position..<range.upperBound)
    }

    /// Linux NFLOG: a 4-byte header (family, version, resource id) then TLVs whose length and type are in
    /// host byte order (little-endian on every capture seen); type 9 (NFULA_PAYLOAD) holds the IP packet.
    private static func decodeNFLOG(_ bytes: [UInt8], _ range: Range<Int>) -> LinkDecoding {
        guard range.count >= 4 else { return .truncated }
        let version: UInt8?
        switch bytes[range.lowerBound] {
        case 2: version = 4
        case 10: version = 6
        default: version = nil
        }
        var position = range.lowerBound + 4
        while range.upperBound - position >= 4 {
            let length = Int(bytes.uint16(at: position, bigEndian: false))
            let type = bytes.uint16(at: position + 2, bigEndian: false) & 0x3fff  // drop NLA_F_* flag bits
            guard length >= 4, length <= range.upperBound - position else { return .truncated }
            if type == 9 {
                return .network((position + 4)..<(position + length), version: version)
            }
            position += (length + 3) & ~3
        }
        return .notIP
    }
}
