import DNSTransport
import Testing

/// Framing tests in the spirit of swift-nio's `ByteToMessageDecoderVerifier`:
/// the same stream is fed whole, a byte at a time, and split at every position.
@Suite("TCPFrameDecoder")
struct TCPFrameDecoderTests {
    static let messages: [[UInt8]] = [
        [0xab],
        [],
        Array(0..<12),
        Array(repeating: 0x5a, count: 300),
        [],
        [1, 2],
    ]

    static var stream: [UInt8] {
        messages.flatMap { (try? TCPFraming.frame($0)) ?? [] }
    }

    /// Feeds `chunks` in order, collecting every message as soon as it is complete.
    static func decode(_ chunks: [ArraySlice<UInt8>]) throws(TransportError) -> ([[UInt8]], TCPFrameDecoder) {
        var decoder = TCPFrameDecoder()
        var decoded: [[UInt8]] = []
        for chunk in chunks {
            decoder.append(chunk)
            while let message = try decoder.nextMessage() { decoded.append(message) }
        }
        return (decoded, decoder)
    }

    @Test func wholeStreamInOneChunk() throws {
        let (decoded, decoder) = try Self.decode([Self.stream[...]])
        #expect(decoded == Self.messages)
        #expect(decoder.bufferedByteCount == 0)
        #expect(decoder.endOfStreamError == nil)
    }

    @Test func oneByteAtATime() throws {
        let stream = Self.stream
        let (decoded, decoder) = try Self.decode(stream.indices.map { stream[$0...$0] })
        #expect(decoded == Self.messages)
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test func splitAtEveryPosition() throws {
        let stream = Self.stream
        for split in 0...stream.count {
            let (decoded, decoder) = try Self.decode([stream[..<split], stream[split...]])
            #expect(decoded == Self.messages, "split at \(split)")
            #expect(decoder.bufferedByteCount == 0, "split at \(split)")
        }
    }

    @Test func splitAtEveryPairOfPositions() throws {
        let messages: [[UInt8]] = [[1, 2, 3], [], [4], Array(5..<20)]
        let stream = messages.flatMap { (try? TCPFraming.frame($0)) ?? [] }
        for first in 0...stream.count {
            for second in first...stream.count {
                let chunks = [stream[..<first], stream[first..<second], stream[second...]]
                let (decoded, _) = try Self.decode(chunks)
                #expect(decoded == messages, "splits at \(first), \(second)")
            }
        }
    }

    @Test func everyStrictPrefixIsIncomplete() throws {
        let frame = try TCPFraming.frame(Array(1...40))
        for length in 0..<frame.count {
            var decoder = TCPFrameDecoder()
            decoder.append(frame[..<length])
            #expect(try decoder.nextMessage() == nil, "prefix \(length)")
            #expect(decoder.bytesNeeded == (length < 2 ? 2 - length : frame.count - length))
        }
    }

    @Test func zeroLengthMessage() throws {
        var decoder = TCPFrameDecoder()
        decoder.append([0, 0, 0])
        #expect(try decoder.nextMessage() == [])
        #expect(try decoder.nextMessage() == nil)
        #expect(decoder.bufferedByteCount == 1)
        #expect(decoder.endOfStreamError == .closedMidLength)
    }

    @Test func oversizedLengthIsRejectedBeforeTheBody() {
        var decoder = TCPFrameDecoder(maximumMessageLength: 512)
        decoder.append([0x03])
        #expect(throws: Never.self) { try decoder.nextMessage() }
        decoder.append([0xe8])  // 1000
        #expect(throws: TransportError.messageTooLarge(length: 1000, limit: 512)) { try decoder.nextMessage() }
        decoder.append([UInt8](repeating: 0, count: 1000))
        #expect(throws: TransportError.messageTooLarge(length: 1000, limit: 512)) { try decoder.nextMessage() }
    }

    @Test func largestLengthIsAcceptedByDefault() throws {
        let message = [UInt8](repeating: 7, count: 65535)
        var decoder = TCPFrameDecoder()
        decoder.append(try TCPFraming.frame(message))
        #expect(try decoder.nextMessage() == message)
    }

    @Test func limitIsClamped() {
        #expect(TCPFrameDecoder(maximumMessageLength: 1 << 20).maximumMessageLength == 65535)
        #expect(TCPFrameDecoder(maximumMessageLength: -5).maximumMessageLength == 0)
    }

    @Test func endOfStreamClassification() {
        var decoder = TCPFrameDecoder()
        #expect(decoder.endOfStreamError == nil)
        decoder.append([0])
        #expect(decoder.endOfStreamError == .closedMidLength)
        decoder.append([10])
        #expect(decoder.endOfStreamError == .closedMidMessage(received: 0, expected: 10))
        #expect(decoder.declaredLength == 10)
        decoder.append([1, 2, 3])
        #expect(decoder.endOfStreamError == .closedMidMessage(received: 3, expected: 10))
        #expect(decoder.bytesNeeded == 7)
    }

    @Test func framing() throws {
        #expect(try TCPFraming.frame([]) == [0, 0])
        #expect(try TCPFraming.frame([9, 8, 7]) == [0, 3, 9, 8, 7])
        #expect(try TCPFraming.frame([UInt8](repeating: 0, count: 258)).prefix(2) == [1, 2])
        #expect(throws: TransportError.messageTooLarge(length: 65536, limit: 65535)) {
            try TCPFraming.frame([UInt8](repeating: 0, count: 65536))
        }
    }
}
