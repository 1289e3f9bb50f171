import DNSCapture
import Testing

@Suite("pcapng")
struct PcapNGTests {
    static let first = dnsQuery(id: 10)
    static let second = dnsQuery(id: 11)
    static let third = dnsQuery(id: 12)

    /// Interface 0: Ethernet, microseconds by default. Interface 1: raw IP, if_tsresol 9 (nanoseconds).
    static func twoInterfaces(bigEndian: Bool) -> PcapNGWriter {
        var writer = PcapNGWriter(bigEndian: bigEndian)
        writer.section()
        writer.interface(linkType: 1)
        writer.interface(linkType: 101, options: [writer.option(9, [9])])
        writer.enhancedPacket(
            interface: 0, timestamp: 1_700_000_000_123_456,
            data: Link.ethernet(type: 0x0800, payload: Packet.udp4(first)))
        writer.block(type: 0x0000_0bad, body: [1, 2, 3, 4, 5])  // unknown block: skipped by its length
        writer.enhancedPacket(interface: 1, timestamp: 1_700_000_001_000_000_042, data: Packet.udp6(second))
        return writer
    }

    @Test("two interfaces with different link types and timestamp resolutions", arguments: [false, true])
    func twoInterfaceFile(bigEndian: Bool) throws {
        let writer = Self.twoInterfaces(bigEndian: bigEndian)
        #expect(CaptureFile.detectFormat(writer.bytes) == .pcapng)
        let result = try CaptureFile.messages(in: writer.bytes)
        #expect(result.format == .pcapng)
        #expect(result.error == nil)
        #expect(result.problems.isEmpty)
        #expect(result.frameCount == 2)
        #expect(result.messages.map(\.bytes) == [Self.first, Self.second])
        #expect(result.messages.map(\.frame) == [1, 2])
        #expect(result.messages.map(\.offset) == [writer.blockOffsets[3], writer.blockOffsets[5]])
        #expect(result.messages[0].timestamp == CaptureTimestamp(seconds: 1_700_000_000, nanoseconds: 123_456_000))
        #expect(result.messages[1].timestamp == CaptureTimestamp(seconds: 1_700_000_001, nanoseconds: 42))
        #expect(result.messages[1].destination?.description == "[2001:db8::53]:53")
    }

    @Test("binary if_tsresol and if_tsoffset")
    func binaryResolution() throws {
        var writer = PcapNGWriter()
        writer.section()
        // 2^-10 second units, plus 100 seconds of offset.
        writer.interface(
            linkType: 101, options: [writer.option(9, [0x80 | 10]), writer.option(14, le32(100) + le32(0))])
        writer.enhancedPacket(interface: 0, timestamp: 5 << 10 | 512, data: Packet.udp4(Self.first))
        let result = try CaptureFile.messages(in: writer.bytes)
        #expect(result.messages.first?.timestamp == CaptureTimestamp(seconds: 105, nanoseconds: 500_000_000))
    }

    @Test("an if_tsresol too large to convert is reported and microseconds assumed")
    func badResolution() throws {
        var writer = PcapNGWriter()
        writer.section()
        writer.interface(linkType: 101, options: [writer.option(9, [20])])
        writer.enhancedPacket(interface: 0, timestamp: 3_000_001, data: Packet.udp4(Self.first))
        let result = try CaptureFile.messages(in: writer.bytes)
        #expect(result.problems.map(\.kind) == [.badTimestampResolution(20)])
        #expect(result.messages.first?.timestamp == CaptureTimestamp(seconds: 3, nanoseconds: 1000))
    }

    @Test("a new section resets the interfaces and may change byte order")
    func multipleSections() throws {
        var writer = Self.twoInterfaces(bigEndian: false)
        var other = PcapNGWriter(bigEndian: true)
        other.section()
        other.interface(linkType: 113)
        other.enhancedPacket(
            interface: 0, timestamp: 7_000_000, data: Link.sll(protocolType: 0x0800, payload: Packet.udp4(Self.third)))
        other.enhancedPacket(interface: 1, timestamp: 8_000_000, data: Packet.udp4(Self.third))  // undefined here
        writer.bytes += other.bytes
        let result = try CaptureFile.messages(in: writer.bytes)
        #expect(result.error == nil)
        #expect(result.messages.map(\.bytes) == [Self.first, Self.second, Self.third])
        #expect(result.messages.map(\.frame) == [1, 2, 3])
        #expect(result.problems.map(\.kind) == [.unknownInterface(1)])
        #expect(result.problems.first?.frame == 4)
        #expect(result.frameCount == 4)
    }

    @Test("simple packet blocks use interface 0 and its snapshot length; obsolete packet blocks decode")
    func simpleAndObsoletePackets() throws {
        var writer = PcapNGWriter()
        writer.section()
        writer.interface(linkType: 101, snapshotLength: 1000)
        writer.simplePacket(data: Packet.udp4(Self.first))
        writer.obsoletePacket(interface: 0, timestamp: 2_000_000, data: Packet.udp4(Self.second))
        let result = try CaptureFile.messages(in: writer.bytes)
        #expect(result.messages.map(\.bytes) == [Self.first, Self.second])
        #expect(result.messages[0].timestamp == nil)
        #expect(result.messages[1].timestamp == CaptureTimestamp(seconds: 2, nanoseconds: 0))
    }

    @Test("a packet block whose captured length overruns the block is reported and skipped")
    func malformedEnhancedPacket() throws {
        var writer = PcapNGWriter()
        writer.section()
        writer.interface(linkType: 101)
        let body = le32(0) + le32(0) + le32(0) + le32(500) + le32(500) + Packet.udp4(Self.first)
        writer.block(type: 6, body: body)
        writer.enhancedPacket(interface: 0, timestamp: 0, data: Packet.udp4(Self.second))
        let result = try CaptureFile.messages(in: writer.bytes)
        #expect(result.problems.map(\.kind) == [.malformedBlock(type: 6)])
        #expect(result.messages.map(\.frame) == [2])
    }

    @Test("block length errors stop the walk with the block's offset; earlier messages are kept")
    func blockLengthErrors() throws {
        let writer = Self.twoInterfaces(bigEndian: false)
        let lastBlock = writer.blockOffsets[5]

        var notMultipleOfFour = writer.bytes
        notMultipleOfFour[lastBlock + 4] &+= 1
        var result = try CaptureFile.messages(in: notMultipleOfFour)
        #expect(result.messages.map(\.bytes) == [Self.first])
        #expect(result.error == .badBlockLength(at: lastBlock))

        var trailingMismatch = writer.bytes
        trailingMismatch[trailingMismatch.count - 4] &+= 4
        result = try CaptureFile.messages(in: trailingMismatch)
        #expect(result.error == .badBlockLength(at: lastBlock))

        var tooShort = writer.bytes
        tooShort.replaceSubrange((lastBlock + 4)..<(lastBlock + 8), with: le32(8))
        result = try CaptureFile.messages(in: tooShort)
        #expect(result.error == .badBlockLength(at: lastBlock))

        result = try CaptureFile.messages(in: Array(writer.bytes.dropLast(4)))
        #expect(result.error == .truncatedBlock(at: lastBlock))
        #expect(result.messages.count == 1)
    }

    @Test("a bad byte-order magic or major version in the first section throws")
    func badSectionHeader() {
        var writer = PcapNGWriter()
        writer.section()
        var badMagic = writer.bytes
        badMagic[8] = 0
        #expect(throws: CaptureError.badByteOrderMagic(at: 8)) { try CaptureFile.messages(in: badMagic) }

        var version2 = PcapNGWriter()
        version2.section(major: 2)
        #expect(throws: CaptureError.unsupportedVersion(major: 2, minor: 0, at: 0)) {
            try CaptureFile.messages(in: version2.bytes)
        }
        #expect(throws: CaptureError.truncatedHeader(at: 0)) {
            try CaptureFile.messages(in: Array(writer.bytes.prefix(20)))
        }
    }

    @Test("a bad second section header is returned as the result's error")
    func badLaterSection() throws {
        var writer = Self.twoInterfaces(bigEndian: false)
        let offset = writer.bytes.count
        writer.section(major: 3)
        let result = try CaptureFile.messages(in: writer.bytes)
        #expect(result.messages.count == 2)
        #expect(result.error == .unsupportedVersion(major: 3, minor: 0, at: offset))
    }

    @Test("every strict prefix throws, or yields fewer messages with an error")
    func dripFeed() throws {
        let writer = Self.twoInterfaces(bigEndian: true)
        let file = writer.bytes
        let boundaries = Set(writer.blockOffsets + [file.count])
        for length in 0..<file.count {
            let result: CaptureReadResult
            do {
                result = try CaptureFile.messages(in: Array(file.prefix(length)))
            } catch {
                #expect(length < writer.blockOffsets[1], "only the section header may throw (length \(length))")
                continue
            }
            #expect(result.messages.count < 2)
            #expect((result.error != nil) != boundaries.contains(length), "length \(length)")
        }
    }
}
