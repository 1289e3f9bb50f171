import DNSCapture
import Testing

@Suite("Classic pcap")
struct PcapFormatTests {
    static let query = dnsQuery(id: 1)
    static let response = dnsQuery(id: 2, extra: 20)

    static func twoRecords(bigEndian: Bool, nanosecond: Bool) -> [UInt8] {
        pcapFile(
            linkType: 101,
            records: [
                PcapRecord(seconds: 1_700_000_000, fraction: 123_456, data: Packet.udp4(query)),
                PcapRecord(
                    seconds: 1_700_000_001, fraction: 999_999,
                    data: Packet.udp4(response, source: 53, destination: 40000)),
            ],
            bigEndian: bigEndian, nanosecond: nanosecond)
    }

    @Test("both byte orders, micro- and nanosecond timestamps", arguments: [false, true], [false, true])
    func variants(bigEndian: Bool, nanosecond: Bool) throws {
        let file = Self.twoRecords(bigEndian: bigEndian, nanosecond: nanosecond)
        #expect(CaptureFile.detectFormat(file) == .pcap)
        let result = try CaptureFile.messages(in: file)
        #expect(result.format == .pcap)
        #expect(result.error == nil)
        #expect(result.frameCount == 2)
        #expect(result.messages.map(\.bytes) == [Self.query, Self.response])
        #expect(result.messages.map(\.frame) == [1, 2])
        #expect(result.messages.map(\.offset) == [24, 24 + 16 + Packet.udp4(Self.query).count])
        let scale: UInt32 = nanosecond ? 1 : 1000
        #expect(result.messages[0].timestamp == CaptureTimestamp(seconds: 1_700_000_000, nanoseconds: 123_456 * scale))
        #expect(result.messages[1].timestamp == CaptureTimestamp(seconds: 1_700_000_001, nanoseconds: 999_999 * scale))
        #expect(result.messages[1].source?.port == 53)
    }

    @Test("a microsecond fraction of a second or more is carried into the seconds")
    func oversizedFraction() throws {
        let file = pcapFile(
            linkType: 101, records: [PcapRecord(seconds: 10, fraction: 2_500_000, data: Packet.udp4(Self.query))])
        let result = try CaptureFile.messages(in: file)
        #expect(result.messages.first?.timestamp == CaptureTimestamp(seconds: 12, nanoseconds: 500_000_000))
    }

    @Test("the modified-pcap magic (a1b2cd34) has 24-byte record headers")
    func modifiedPcap() throws {
        let packet = Packet.udp4(Self.query)
        var file = le32(0xa1b2_cd34) + le16(2) + le16(4) + [UInt8](repeating: 0, count: 8) + le32(65535) + le32(101)
        file +=
            le32(5) + le32(0) + le32(UInt32(packet.count)) + le32(UInt32(packet.count))
            + [UInt8](repeating: 0, count: 8)
        file += packet
        let result = try CaptureFile.messages(in: file)
        #expect(result.messages.map(\.bytes) == [Self.query])
    }

    @Test("a file header cut short throws truncatedHeader(at: 0)")
    func truncatedFileHeader() {
        let file = Array(Self.twoRecords(bigEndian: false, nanosecond: false).prefix(20))
        #expect(throws: CaptureError.truncatedHeader(at: 0)) { try CaptureFile.messages(in: file) }
        #expect(throws: CaptureError.truncatedHeader(at: 0)) { try CaptureFile.messages(in: [0xd4, 0xc3]) }
    }

    @Test("unrecognised bytes throw unknownFormat unless read as a .tcpstream")
    func unknownFormat() throws {
        let bytes = framed(Self.query) + framed(Self.response)
        #expect(CaptureFile.detectFormat(bytes) == nil)
        #expect(throws: CaptureError.unknownFormat) { try CaptureFile.messages(in: bytes) }
        let fallback = try CaptureFile.messages(in: bytes, options: CaptureOptions(unrecognizedAsTCPStream: true))
        #expect(fallback.format == .tcpStream)
        #expect(fallback.messages.map(\.bytes) == [Self.query, Self.response])
        let forced = try CaptureFile.messages(in: bytes, format: .tcpStream, options: CaptureOptions())
        #expect(forced.messages.count == 2)
    }

    @Test("a record cut short keeps the messages before it and reports truncatedRecord at its offset")
    func truncatedRecord() throws {
        let full = Self.twoRecords(bigEndian: true, nanosecond: false)
        let secondRecord = 24 + 16 + Packet.udp4(Self.query).count
        for cut in [secondRecord + 5, secondRecord + 16, full.count - 1] {
            let result = try CaptureFile.messages(in: Array(full.prefix(cut)))
            #expect(result.messages.map(\.bytes) == [Self.query])
            #expect(result.error == .truncatedRecord(at: secondRecord))
            #expect(result.error?.offset == secondRecord)
        }
    }

    @Test("a record with incl_len > orig_len stops the walk with badRecordLength")
    func capturedLongerThanOriginal() throws {
        let packet = Packet.udp4(Self.query)
        let file = pcapFile(
            linkType: 101,
            records: [
                PcapRecord(data: packet), PcapRecord(data: packet, originalLength: packet.count - 1),
                PcapRecord(data: packet),
            ])
        let result = try CaptureFile.messages(in: file)
        #expect(result.messages.count == 1)
        #expect(result.error == .badRecordLength(at: 24 + 16 + packet.count))
    }

    @Test("every strict prefix yields fewer messages plus an error or problem, or is itself a complete file")
    func dripFeed() throws {
        // Frames: a UDP query, then a TCP message split over two segments, then a UDP response.
        let tcpMessage = framed(Self.response)
        let frames: [[UInt8]] = [
            Link.ethernet(type: 0x0800, payload: Packet.udp4(Self.query)),
            Link.ethernet(
                type: 0x0800,
                payload: Packet.ipv4(
                    protocolNumber: 6, payload: Packet.tcp(sequence: 100, payload: Array(tcpMessage.prefix(9))))),
            Link.ethernet(
                type: 0x0800,
                payload: Packet.ipv4(
                    protocolNumber: 6, payload: Packet.tcp(sequence: 109, payload: Array(tcpMessage.dropFirst(9))))),
            Link.ethernet(type: 0x0800, payload: Packet.udp4(Self.response, source: 53, destination: 40000)),
        ]
        let file = pcapFile(linkType: 1, frames: frames)
        let complete = try CaptureFile.messages(in: file)
        #expect(complete.messages.map(\.bytes) == [Self.query, Self.response, Self.response])
        #expect(complete.messages.map(\.transport) == [.udp, .tcp, .udp])
        #expect(complete.problems.isEmpty)

        var recordEnds: [Int] = [24]
        for frame in frames { recordEnds.append(recordEnds[recordEnds.count - 1] + 16 + frame.count) }
        for length in 0..<file.count {
            let prefix = Array(file.prefix(length))
            let result: CaptureReadResult
            do {
                result = try CaptureFile.messages(in: prefix)
            } catch {
                #expect(length < 24, "only a cut file header may throw (length \(length): \(error))")
                continue
            }
            #expect(result.messages.count < complete.messages.count, "length \(length)")
            if let recordsKept = recordEnds.firstIndex(of: length) {
                // A prefix ending on a record boundary is a valid shorter capture; only the TCP message cut in
                // half shows.
                #expect(result.error == nil)
                #expect(result.frameCount == recordsKept)
                #expect(result.problems.map(\.kind) == (recordsKept == 2 ? [.tcpIncompleteMessage(bytes: 9)] : []))
            } else {
                let lastRecord = recordEnds.last { $0 < length } ?? 24
                #expect(result.error == .truncatedRecord(at: lastRecord), "length \(length)")
            }
        }
    }
}
