// Small writers for synthetic captures. They build the container and header layers only; the "DNS"
// payloads are opaque bytes, since these tests are about finding payloads, not decoding them.

/// A fake DNS query: a 12-byte header with the given ID, then `example.com IN A`.
func dnsQuery(id: UInt16 = 0x1234, extra: Int = 0) -> [UInt8] {
    var bytes: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xff), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
    bytes += [7] + Array("example".utf8) + [3] + Array("com".utf8) + [0, 0, 1, 0, 1]
    bytes += [UInt8](repeating: 0xab, count: extra)
    return bytes
}

/// Prefixes a message with its 2-byte big-endian length, as DNS over TCP does.
func framed(_ message: [UInt8]) -> [UInt8] {
    [UInt8(message.count >> 8), UInt8(message.count & 0xff)] + message
}

func be16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xff)] }
func be32(_ value: UInt32) -> [UInt8] { be16(UInt16(value >> 16)) + be16(UInt16(value & 0xffff)) }
func le16(_ value: UInt16) -> [UInt8] { be16(value).reversed() }
func le32(_ value: UInt32) -> [UInt8] { be32(value).reversed() }
func u16(_ value: UInt16, bigEndian: Bool) -> [UInt8] { bigEndian ? be16(value) : le16(value) }
func u32(_ value: UInt32, bigEndian: Bool) -> [UInt8] { bigEndian ? be32(value) : le32(value) }

/// Network-layer and transport-layer headers.
enum Packet {
    static let clientV4: [UInt8] = [192, 0, 2, 1]
    static let serverV4: [UInt8] = [198, 51, 100, 53]
    static let clientV6: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]
    static let serverV6: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [0x53]

    static func ipv4(
        source: [UInt8] = clientV4,
        destination: [UInt8] = serverV4,
        protocolNumber: UInt8 = 17,
        payload: [UInt8],
        options: [UInt8] = [],
        identification: UInt16 = 1,
        flagsAndOffset: UInt16 = 0,
        totalLength: Int? = nil
    ) -> [UInt8] {
        let headerLength = 20 + options.count
        let ihl = UInt8(headerLength / 4)
        var header: [UInt8] = [0x40 | ihl, 0]
        header += be16(UInt16(totalLength ?? headerLength + payload.count))
        header += be16(identification) + be16(flagsAndOffset)
        header += [64, protocolNumber, 0, 0] + source + destination + options
        return header + payload
    }

    /// An IPv6 extension header (everything but its first byte, the next-header field, which `ipv6` fills in).
    struct Extension {
        var type: UInt8
        var body: [UInt8]

        /// Hop-by-hop (0), destination options (60) or routing (43): `units` × 8 bytes including the 2-byte start.
        static func options(_ type: UInt8, units: Int) -> Extension {
            Extension(type: type, body: [UInt8(units - 1)] + [UInt8](repeating: 1, count: units * 8 - 2))
        }
        /// A fragment header with the given offset (in 8-byte units) and M flag.
        static func fragment(offset: UInt16, more: Bool, identification: UInt32) -> Extension {
            Extension(type: 44, body: [0] + be16(offset << 3 | (more ? 1 : 0)) + be32(identification))
        }
        /// An authentication header with `words` 4-byte words in total (at least 3).
        static func authentication(words: Int) -> Extension {
            Extension(type: 51, body: [UInt8(words - 2)] + [UInt8](repeating: 7, count: words * 4 - 2))
        }
    }

    static func ipv6(
        source: [UInt8] = clientV6,
        destination: [UInt8] = serverV6,
        nextHeader: UInt8 = 17,
        extensions: [Extension] = [],
        payload: [UInt8]
    ) -> [UInt8] {
        var chain: [UInt8] = []
        for (index, header) in extensions.enumerated() {
            let next = index + 1 < extensions.count ? extensions[index + 1].type : nextHeader
            chain += [next] + header.body
        }
        let first = extensions.first?.type ?? nextHeader
        var header: [UInt8] = [0x60, 0, 0, 0] + be16(UInt16(chain.count + payload.count)) + [first, 64]
        header += source + destination
        return header + chain + payload
    }

    static func udp(source: UInt16 = 40000, destination: UInt16 = 53, payload: [UInt8], length: Int? = nil) -> [UInt8] {
        be16(source) + be16(destination) + be16(UInt16(length ?? 8 + payload.count)) + [0, 0] + payload
    }

    static let syn: UInt8 = 0x02
    static let ack: UInt8 = 0x10
    static let psh: UInt8 = 0x08
    static let fin: UInt8 = 0x01

    static func tcp(
        source: UInt16 = 40000,
        destination: UInt16 = 53,
        sequence: UInt32,
        flags: UInt8 = ack | psh,
        payload: [UInt8] = []
    ) -> [UInt8] {
        be16(source) + be16(destination) + be32(sequence) + be32(0) + [0x50, flags] + be16(65535) + [0, 0, 0, 0]
            + payload
    }

    /// UDP in IPv4 from client to server, the common case.
    static func udp4(_ message: [UInt8], source: UInt16 = 40000, destination: UInt16 = 53) -> [UInt8] {
        ipv4(payload: udp(source: source, destination: destination, payload: message))
    }

    /// UDP in IPv6 from client to server.
    static func udp6(_ message: [UInt8]) -> [UInt8] {
        ipv6(payload: udp(payload: message))
    }
}

/// Link-layer headers.
enum Link {
    static func ethernet(type: UInt16, tags: [UInt16] = [], payload: [UInt8]) -> [UInt8] {
        var frame: [UInt8] = [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2]
        for (index, tag) in tags.enumerated() { frame += be16(tag) + be16(UInt16(100 + index)) }
        return frame + be16(type) + payload
    }

    static func sll(protocolType: UInt16, payload: [UInt8]) -> [UInt8] {
        be16(0) + be16(1) + be16(6) + [2, 0, 0, 0, 0, 1, 0, 0] + be16(protocolType) + payload
    }

    static func sll2(protocolType: UInt16, payload: [UInt8]) -> [UInt8] {
        be16(protocolType) + be16(0) + be32(3) + be16(1) + [0, 6] + [2, 0, 0, 0, 0, 1, 0, 0] + payload
    }

    static func null(family: UInt32, bigEndian: Bool, payload: [UInt8]) -> [UInt8] {
        u32(family, bigEndian: bigEndian) + payload
    }
}

/// One classic pcap record.
struct PcapRecord {
    var seconds: UInt32 = 1_700_000_000
    var fraction: UInt32 = 0
    var data: [UInt8]
    var originalLength: Int?
}

/// Writes a classic pcap file.
func pcapFile(
    linkType: UInt32,
    records: [PcapRecord],
    bigEndian: Bool = false,
    nanosecond: Bool = false,
    snapshotLength: UInt32 = 65535
) -> [UInt8] {
    var file = u32(nanosecond ? 0xa1b2_3c4d : 0xa1b2_c3d4, bigEndian: bigEndian)
    file += u16(2, bigEndian: bigEndian) + u16(4, bigEndian: bigEndian) + [0, 0, 0, 0, 0, 0, 0, 0]
    file += u32(snapshotLength, bigEndian: bigEndian) + u32(linkType, bigEndian: bigEndian)
    for record in records {
        file += u32(record.seconds, bigEndian: bigEndian) + u32(record.fraction, bigEndian: bigEndian)
        file += u32(UInt32(record.data.count), bigEndian: bigEndian)
        file += u32(UInt32(record.originalLength ?? record.data.count), bigEndian: bigEndian)
        file += record.data
    }
    return file
}

/// Convenience: a pcap whose records are the given frames, one second apart.
func pcapFile(linkType: UInt32, frames: [[UInt8]]) -> [UInt8] {
    pcapFile(
        linkType: linkType,
        records: frames.enumerated().map { PcapRecord(seconds: 1_700_000_000 + UInt32($0.offset), data: $0.element) })
}

/// Writes pcapng blocks in one byte order.
struct PcapNGWriter {
    var bigEndian: Bool
    var bytes: [UInt8] = []
    /// Offsets of every block written, in order.
    var blockOffsets: [Int] = []

    init(bigEndian: Bool = false) {
        self.bigEndian = bigEndian
    }

    mutating func block(type: UInt32, body: [UInt8]) {
        let padded = body + [UInt8](repeating: 0, count: (4 - body.count % 4) % 4)
        let length = UInt32(padded.count + 12)
        blockOffsets.append(bytes.count)
        bytes +=
            u32(type, bigEndian: bigEndian) + u32(length, bigEndian: bigEndian) + padded
            + u32(length, bigEndian: bigEndian)
    }

    func option(_ code: UInt16, _ value: [UInt8]) -> [UInt8] {
        u16(code, bigEndian: bigEndian) + u16(UInt16(value.count), bigEndian: bigEndian) + value
            + [UInt8](repeating: 0, count: (4 - value.count % 4) % 4)
    }

    /// A Section Header Block, version 1.0, section length -1 (unknown).
    mutating func section(major: UInt16 = 1) {
        block(
            type: 0x0a0d_0d0a,
            body: u32(0x1a2b_3c4d, bigEndian: bigEndian) + u16(major, bigEndian: bigEndian)
                + u16(0, bigEndian: bigEndian) + [UInt8](repeating: 0xff, count: 8))
    }

    mutating func interface(linkType: UInt16, snapshotLength: UInt32 = 0, options: [[UInt8]] = []) {
        var body = u16(linkType, bigEndian: bigEndian) + [0, 0] + u32(snapshotLength, bigEndian: bigEndian)
        if !options.isEmpty { body += options.joined() + [0, 0, 0, 0] }
        block(type: 1, body: body)
    }

    mutating func enhancedPacket(interface: UInt32, timestamp: UInt64, data: [UInt8], originalLength: Int? = nil) {
        let body =
            u32(interface, bigEndian: bigEndian) + u32(UInt32(timestamp >> 32), bigEndian: bigEndian)
            + u32(UInt32(timestamp & 0xffff_ffff), bigEndian: bigEndian)
            + u32(UInt32(data.count), bigEndian: bigEndian)
            + u32(UInt32(originalLength ?? data.count), bigEndian: bigEndian) + data
        block(type: 6, body: body)
    }

    mutating func obsoletePacket(interface: UInt16, timestamp: UInt64, data: [UInt8]) {
        let body =
            u16(interface, bigEndian: bigEndian) + u16(0, bigEndian: bigEndian)
            + u32(UInt32(timestamp >> 32), bigEndian: bigEndian)
            + u32(UInt32(timestamp & 0xffff_ffff), bigEndian: bigEndian)
            + u32(UInt32(data.count), bigEndian: bigEndian) + u32(UInt32(data.count), bigEndian: bigEndian) + data
        block(type: 2, body: body)
    }

    mutating func simplePacket(data: [UInt8]) {
        block(type: 3, body: u32(UInt32(data.count), bigEndian: bigEndian) + data)
    }
}
