import DNSTransport
import FuzzSupport

// DNS-over-TCP length framing (RFC 1035 §4.2.2, RFC 7766) read by
// TCPFrameDecoder from a stream that arrives in arbitrary chunks.
//
// Input layout (so the fuzzer chooses the chunking):
//   byte 0        n = number of cut points (low 5 bits); bit 7: use a small
//                 message-length limit given by byte 1 (else the default 65535)
//   next n bytes  chunk lengths (0…255; a zero-length chunk is an empty read)
//   the rest      the stream; whatever the chunk lengths leave is one last chunk
//
// The chunked run (draining after each append) must give exactly what
// one-shot decoding gives and what a straightforward reference reader gives:
// the same messages, the same error (message too large) at the same point,
// and the same leftover and end-of-stream verdict.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTCPFrame(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = Array(fuzzInput(data, size))[...]
    guard let control = input.popFirst() else { return 0 }
    var limit = 65535
    if control & 0x80 != 0 {
        guard let small = input.popFirst() else { return 0 }
        limit = Int(small)
    }
    var cuts: [Int] = []
    for _ in 0..<Int(control & 0x1F) {
        guard let length = input.popFirst() else { break }
        cuts.append(Int(length))
    }
    let stream = Array(input)

    var chunks: [ArraySlice<UInt8>] = []
    var position = 0
    for cut in cuts {
        let end = min(position + cut, stream.count)
        chunks.append(stream[position..<end])
        position = end
    }
    chunks.append(stream[position...])

    let oneShot = run([stream[...]], limit: limit)
    let chunked = run(chunks, limit: limit)
    let expected = reference(stream, limit: limit)
    fuzzCheck(chunked == oneShot, "chunked \(chunked.summary) != one-shot \(oneShot.summary) (cuts \(cuts))")
    fuzzCheck(oneShot == expected, "decoder \(oneShot.summary) != reference \(expected.summary)")
    return 0
}

struct Outcome: Equatable {
    var messages: [[UInt8]] = []
    var tooLarge: Int?  // the declared length that was refused
    var leftover = 0
    var endOfStream: TransportError?

    var summary: String {
        "{\(messages.count) messages \(messages.map(\.count)), tooLarge \(tooLarge.map(String.init) ?? "-"), "
            + "leftover \(leftover), end \(endOfStream.map { "\($0)" } ?? "clean")}"
    }
}

private func run(_ chunks: [ArraySlice<UInt8>], limit: Int) -> Outcome {
    var decoder = TCPFrameDecoder(maximumMessageLength: limit)
    fuzzCheck(decoder.maximumMessageLength == limit, "limit \(limit) stored as \(decoder.maximumMessageLength)")
    var outcome = Outcome()
    var appended = 0
    feeding: for chunk in chunks {
        decoder.append(chunk)
        appended += chunk.count
        while true {
            let before = decoder.bufferedByteCount
            let message: [UInt8]?
            do {
                message = try decoder.nextMessage()
            } catch {
                guard case .messageTooLarge(let length, let reportedLimit) = error else {
                    fuzzFailure("unexpected error \(error)")
                }
                fuzzCheck(reportedLimit == limit && length > limit, "bad messageTooLarge(\(length), \(reportedLimit))")
                fuzzCheck(decoder.declaredLength == length, "declaredLength \(String(describing: decoder.declaredLength)) != \(length)")
                // It must keep throwing, and consume nothing.
                fuzzCheck((try? decoder.nextMessage()) == nil && decoder.bufferedByteCount == before,
                          "the decoder moved on after refusing a message")
                outcome.tooLarge = length
                break feeding
            }
            guard let message else {
                fuzzCheck(decoder.bytesNeeded > 0, "nextMessage() gave nil but bytesNeeded is 0")
                fuzzCheck(decoder.bufferedByteCount == before, "nextMessage() gave nil but consumed bytes")
                break
            }
            fuzzCheck(message.count <= limit, "a \(message.count)-byte message past the \(limit) limit")
            fuzzCheck(decoder.bufferedByteCount == before - 2 - message.count, "buffered count after a message")
            outcome.messages.append(message)
        }
    }
    let consumed = outcome.messages.reduce(0) { $0 + 2 + $1.count }
    if outcome.tooLarge == nil {
        fuzzCheck(consumed + decoder.bufferedByteCount == appended,
                  "\(consumed) consumed + \(decoder.bufferedByteCount) buffered != \(appended) appended")
    }
    if outcome.tooLarge == nil {
        outcome.leftover = decoder.bufferedByteCount
        outcome.endOfStream = decoder.endOfStreamError
    }  // else the chunked run stopped appending early: leftovers are not comparable
    return outcome
}

/// The framing read the plain way, from the whole stream at once.
private func reference(_ stream: [UInt8], limit: Int) -> Outcome {
    var outcome = Outcome()
    var index = 0
    while stream.count - index >= 2 {
        let length = Int(stream[index]) << 8 | Int(stream[index + 1])
        if length > limit {
            outcome.tooLarge = length
            return outcome
        }
        guard stream.count - index - 2 >= length else { break }
        outcome.messages.append(Array(stream[(index + 2)..<(index + 2 + length)]))
        index += 2 + length
    }
    let rest = stream.count - index
    outcome.leftover = rest
    if rest == 0 {
        outcome.endOfStream = nil
    } else if rest == 1 {
        outcome.endOfStream = .closedMidLength
    } else {
        let length = Int(stream[index]) << 8 | Int(stream[index + 1])
        outcome.endOfStream = .closedMidMessage(received: rest - 2, expected: length)
    }
    return outcome
}
