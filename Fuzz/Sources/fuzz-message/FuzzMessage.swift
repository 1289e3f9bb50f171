import DNSWire
import FuzzSupport

// Message decode → encode → decode (hickory-dns's message fuzz target, and the
// OSS-Fuzz targets of c-ares, ldns, unbound and knot).
//
// For every input the decoder accepts (strictly, and again with trailing bytes
// allowed):
//   - decoding the same bytes from a raw buffer, an array and an array slice
//     gives the same message;
//   - the compressed encoding decodes to an equal message, and encoding that
//     again gives the same bytes (a fixed point);
//   - the same for the uncompressed encoding, which is never shorter;
//   - every record's presentation text can be rendered;
//   - the same message pushed past offset 0x3FFF (see `checkPastPointerRange`)
//     round-trips too: compression must never point beyond 0x3FFF.
// Inputs the decoder rejects must be rejected the same way by every entry point.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMessage(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let raw = fuzzInput(data, size)
    check(raw, options: Message.DecodingOptions())
    check(raw, options: Message.DecodingOptions(allowTrailingBytes: true))
    return 0
}

private func check(_ raw: UnsafeRawBufferPointer, options: Message.DecodingOptions) {
    let bytes = Array(raw)
    let fromRaw = Result { () throws(DNSDecodeError) in try Message(decoding: raw, options: options) }
    let fromArray = Result { () throws(DNSDecodeError) in try Message(decoding: bytes, options: options) }
    // A slice that does not start at index 0 of its array: offsets must still count from the slice.
    let padded = [0xAB, 0xCD] + bytes
    let fromSlice = Result { () throws(DNSDecodeError) in try Message(decoding: padded[2...], options: options) }
    fuzzCheck(fromRaw == fromArray, "raw-buffer and array decoding differ: \(fromRaw) vs \(fromArray)")
    fuzzCheck(fromRaw == fromSlice, "raw-buffer and slice decoding differ: \(fromRaw) vs \(fromSlice)")

    let message: Message
    switch fromRaw {
    case .failure(let error):
        fuzzCheck(error.offset >= 0 && error.offset <= bytes.count,
                  "error offset \(error.offset) outside the input (\(bytes.count) bytes): \(error)")
        return
    case .success(let decoded):
        message = decoded
    }

    for compression in [true, false] {
        let encodingOptions = Message.EncodingOptions(compression: compression)
        let encoded = message.encoded(options: encodingOptions)
        let again: Message
        do {
            again = try Message(decoding: encoded)
        } catch {
            fuzzFailure("compression=\(compression): the encoding does not decode (\(error))\n"
                        + "input:   \(fuzzHex(bytes))\nencoded: \(fuzzHex(encoded))")
        }
        fuzzCheck(again == message, "compression=\(compression): decode(encode(m)) != m\n"
                  + "input:   \(fuzzHex(bytes))\nencoded: \(fuzzHex(encoded))\nm:  \(message)\nm': \(again)")
        fuzzCheck(again.hashValue == message.hashValue, "compression=\(compression): equal messages hash differently")
        let reencoded = again.encoded(options: encodingOptions)
        fuzzCheck(reencoded == encoded, "compression=\(compression): encoding is not a fixed point\n"
                  + "first:  \(fuzzHex(encoded))\nsecond: \(fuzzHex(reencoded))")
        if !compression {
            let compressed = message.encoded()
            fuzzCheck(compressed.count <= encoded.count,
                      "compressed encoding (\(compressed.count)) longer than uncompressed (\(encoded.count))")
        }
    }

    checkPastPointerRange(message)

    // Rendering must not trap on anything the decoder accepted.
    var sink = 0
    for record in message.answers + message.authorities + message.additionals {
        sink &+= record.description.utf8.count
        sink &+= record.data.presentation.utf8.count
    }
    for question in message.questions { sink &+= question.description.utf8.count }
    if sink == Int.min { fuzzFailure("unreachable") }
}

/// Inputs are at most a few KiB, so on their own they never reach the offsets a
/// compression pointer cannot express (past 0x3FFF). This puts a 16.5 KiB
/// filler record first in the answer section, then every record of the message
/// twice under an extra label: the first copy's names appear only past 0x3FFF,
/// so the second copy must not point at them (only at the early names, or
/// nowhere). The result must decode to an equal message.
private func checkPastPointerRange(_ message: Message) {
    let records = message.answers + message.authorities + message.additionals
    guard !records.isEmpty else { return }
    let filler = ResourceRecord(name: .root, type: .txt, ttl: 0,
                                data: .txt([[UInt8]](repeating: [UInt8](repeating: 0x66, count: 255), count: 65)))
    var copies: [ResourceRecord] = []
    for record in records.prefix(64) {
        guard let owner = try? record.name.prepending(label: Array("zz-fuzz".utf8)) else { continue }
        var copy = record
        copy.name = owner
        copies.append(copy)
    }
    guard !copies.isEmpty else { return }
    var big = message
    big.answers = [filler] + copies + copies + message.answers
    let encoded = big.encoded()
    fuzzCheck(encoded.count > 0x3FFF, "the padded message is only \(encoded.count) bytes")
    let again: Message
    do {
        again = try Message(decoding: encoded)
    } catch {
        fuzzFailure("a message past offset 0x3FFF does not decode (\(error))\nencoded: \(fuzzHex(encoded))")
    }
    fuzzCheck(again == big, "a message past offset 0x3FFF does not round-trip\nencoded: \(fuzzHex(encoded))")
}
