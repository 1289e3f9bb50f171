import DNSCapture
import Testing

/// A TCP segment of the client → server direction (or the reverse).
struct Segment {
    var sequence: UInt32
    var payload: [UInt8] = []
    var flags: UInt8 = Packet.ack | Packet.psh
    var fromServer = false
    var sourcePort: UInt16 = 40000

    var packet: [UInt8] {
        let tcp =
            fromServer
            ? Packet.tcp(source: 53, destination: sourcePort, sequence: sequence, flags: flags, payload: payload)
            : Packet.tcp(source: sourcePort, destination: 53, sequence: sequence, flags: flags, payload: payload)
        return fromServer
            ? Packet.ipv4(source: Packet.serverV4, destination: Packet.clientV4, protocolNumber: 6, payload: tcp)
            : Packet.ipv4(protocolNumber: 6, payload: tcp)
    }
}

@Suite("TCP reassembly")
struct TCPReassemblyTests {
    static let one = dnsQuery(id: 1)
    static let two = dnsQuery(id: 2, extra: 300)
    static let three = dnsQuery(id: 3, extra: 5)

    static func read(_ segments: [Segment], options: CaptureOptions = CaptureOptions()) throws -> CaptureReadResult {
        try CaptureFile.messages(in: pcapFile(linkType: 101, frames: segments.map(\.packet)), options: options)
    }

    /// Splits `stream` into consecutive segments at the given cut points, starting at `initial + 1` after a SYN.
    static func segments(_ stream: [UInt8], cuts: [Int], initial: UInt32 = 1000) -> [Segment] {
        var result = [Segment(sequence: initial, flags: Packet.syn)]
        let bounds = [0] + cuts + [stream.count]
        for index in 0..<(bounds.count - 1) {
            result.append(
                Segment(
                    sequence: initial &+ 1 &+ UInt32(bounds[index]),
                    payload: Array(stream[bounds[index]..<bounds[index + 1]])))
        }
        return result
    }

    @Test("two messages in one segment")
    func twoInOne() throws {
        let result = try Self.read(Self.segments(framed(Self.one) + framed(Self.two), cuts: []))
        #expect(result.messages.map(\.bytes) == [Self.one, Self.two])
        #expect(result.messages.map(\.frame) == [2, 2])
        #expect(result.messages.allSatisfy { $0.transport == .tcp })
        #expect(result.messages[0].source?.description == "192.0.2.1:40000")
        #expect(result.problems.isEmpty)
    }

    @Test("one message over three segments completes at the third")
    func oneOverThree() throws {
        let stream = framed(Self.two)
        let result = try Self.read(Self.segments(stream, cuts: [1, 100]))
        #expect(result.messages.map(\.bytes) == [Self.two])
        #expect(result.messages.map(\.frame) == [4])
        #expect(result.messages[0].timestamp?.seconds == 1_700_000_003)
    }

    @Test("every split point of a length-prefixed message gives the same message")
    func everySplitPoint() throws {
        let stream = framed(Self.one) + framed(Self.three)
        for cut in 1..<stream.count {
            let result = try Self.read(Self.segments(stream, cuts: [cut]))
            #expect(result.messages.map(\.bytes) == [Self.one, Self.three], "cut at \(cut)")
            #expect(result.problems.isEmpty)
        }
    }

    @Test("out-of-order segments are held until the gap fills")
    func outOfOrder() throws {
        let stream = framed(Self.one) + framed(Self.two) + framed(Self.three)
        var segments = Self.segments(stream, cuts: [10, 100, 200])
        segments = [segments[0], segments[3], segments[4], segments[2], segments[1]]
        let result = try Self.read(segments)
        #expect(result.messages.map(\.bytes) == [Self.one, Self.two, Self.three])
        #expect(result.messages.map(\.frame) == [5, 5, 5])
        #expect(result.problems.isEmpty)
    }

    @Test("retransmitted and overlapping data is not duplicated")
    func retransmission() throws {
        let stream = framed(Self.one) + framed(Self.two)
        var segments = Self.segments(stream, cuts: [20, 60])
        // The first data segment again, then a segment overlapping the first two.
        segments.insert(segments[1], at: 2)
        segments.insert(Segment(sequence: 1001 + 10, payload: Array(stream[10..<40])), at: 3)
        let result = try Self.read(segments)
        #expect(result.messages.map(\.bytes) == [Self.one, Self.two])
        #expect(result.problems.isEmpty)
    }

    @Test("sequence numbers wrap around zero")
    func wraparound() throws {
        let stream = framed(Self.one) + framed(Self.two)
        var segments = Self.segments(stream, cuts: [7, 50], initial: 0xffff_fff8)
        segments.swapAt(2, 3)
        let result = try Self.read(segments)
        #expect(result.messages.map(\.bytes) == [Self.one, Self.two])
        #expect(result.problems.isEmpty)
    }

    @Test("a stream captured without its SYN starts at the first data seen")
    func noSYN() throws {
        let segments = Array(Self.segments(framed(Self.one) + framed(Self.two), cuts: [30]).dropFirst())
        let result = try Self.read(segments)
        #expect(result.messages.map(\.bytes) == [Self.one, Self.two])
    }

    @Test("each direction of each connection is reassembled separately")
    func directions() throws {
        let query = framed(Self.one)
        let response = framed(Self.two)
        let segments = [
            Segment(sequence: 100, flags: Packet.syn),
            Segment(sequence: 900, flags: Packet.syn | Packet.ack, fromServer: true),
            Segment(sequence: 101, payload: Array(query.prefix(5))),
            Segment(sequence: 200, flags: Packet.syn, sourcePort: 40001),
            Segment(sequence: 201, payload: Array(query.prefix(5)), sourcePort: 40001),
            Segment(sequence: 106, payload: Array(query.dropFirst(5))),
            Segment(sequence: 901, payload: response, fromServer: true),
            Segment(sequence: 206, payload: Array(query.dropFirst(5)), sourcePort: 40001),
        ]
        let result = try Self.read(segments)
        #expect(result.messages.map(\.bytes) == [Self.one, Self.two, Self.one])
        #expect(result.messages.map(\.frame) == [6, 7, 8])
        #expect(result.messages.map { $0.source?.port } == [40000, 53, 40001])
    }

    @Test("a stream that ends inside a message reports it and keeps the earlier messages")
    func truncatedAtEnd() throws {
        let stream = framed(Self.one) + framed(Self.two)
        let segments = Array(Self.segments(stream, cuts: [40]).prefix(2))
        let result = try Self.read(segments)
        #expect(result.messages.map(\.bytes) == [Self.one])
        let incomplete = 40 - (Self.one.count + 2)
        #expect(result.problems.map(\.kind) == [.tcpIncompleteMessage(bytes: incomplete)])
        #expect(result.problems.first?.frame == 2)
        #expect(result.problems.first?.source?.port == 40000)
    }

    @Test("a gap that never fills is skipped at the end of the capture")
    func unfilledGap() throws {
        let stream = framed(Self.one) + framed(Self.two) + framed(Self.three)
        let firstEnd = Self.one.count + 2
        let secondEnd = firstEnd + Self.two.count + 2
        var segments = Self.segments(stream, cuts: [firstEnd + 3, secondEnd])
        segments.remove(at: 2)  // bytes firstEnd+3 ..< secondEnd never captured
        let trailing = Packet.udp4(Self.one)
        let file = pcapFile(linkType: 101, frames: segments.map(\.packet) + [trailing])
        let result = try CaptureFile.messages(in: file)
        #expect(result.messages.map(\.bytes) == [Self.one, Self.three, Self.one])
        #expect(result.messages.map(\.frame) == [2, 3, 4])
        #expect(
            result.problems.map(\.kind) == [
                .tcpIncompleteMessage(bytes: 3), .tcpGap(missingBytes: secondEnd - firstEnd - 3),
            ])
        #expect(result.problems.map(\.frame) == [3, 3])
    }

    @Test("out-of-order data past the buffer limit forces the gap to be skipped")
    func bufferLimit() throws {
        let stream = framed(Self.one) + framed(Self.two) + framed(Self.three)
        let firstEnd = Self.one.count + 2
        var segments = Self.segments(stream, cuts: [firstEnd])
        segments[2].sequence += 10  // a 10-byte hole, then more held data than the limit allows
        let result = try Self.read(segments, options: CaptureOptions(maxStreamBufferBytes: 64))
        #expect(result.messages.map(\.bytes).first == Self.one)
        #expect(
            result.problems.map(\.kind).prefix(2) == [.tcpBufferLimitExceeded(limit: 64), .tcpGap(missingBytes: 10)])
    }

    @Test("a new SYN with another initial sequence number starts a fresh stream")
    func portReuse() throws {
        let first = Self.segments(framed(Self.one), cuts: [4], initial: 5000)
        let second = Self.segments(framed(Self.two), cuts: [], initial: 90000)
        let result = try Self.read(Array(first.prefix(2)) + second)
        #expect(result.messages.map(\.bytes) == [Self.two])
        #expect(result.problems.map(\.kind) == [.tcpIncompleteMessage(bytes: 4)])
    }

    @Test("a retransmitted SYN does not reset the stream")
    func retransmittedSYN() throws {
        var segments = Self.segments(framed(Self.one), cuts: [4])
        segments.insert(segments[0], at: 2)
        let result = try Self.read(segments)
        #expect(result.messages.map(\.bytes) == [Self.one])
        #expect(result.problems.isEmpty)
    }

    @Test("data carried on the SYN (TCP Fast Open) starts after the SYN's sequence number")
    func dataOnSYN() throws {
        let stream = framed(Self.one)
        let segments = [
            Segment(sequence: 700, payload: Array(stream.prefix(6)), flags: Packet.syn),
            Segment(sequence: 707, payload: Array(stream.dropFirst(6))),
        ]
        let result = try Self.read(segments)
        #expect(result.messages.map(\.bytes) == [Self.one])
    }
}
