import DNSCapture
import DNSWire
import FuzzSupport

// The capture reader: pcap (both byte orders, µs/ns), pcapng, and .tcpstream,
// down through link layers, IPv4/IPv6, UDP and TCP reassembly.
//
// The input is read three ways: with its format detected (falling back to
// .tcpstream), forced to .tcpstream, and detected again with a tiny TCP
// reassembly buffer (4 KiB) so the buffer-limit path runs. Checks: no trap;
// the same input gives the same result; every message fits a DNS length
// field, has a 1-based frame number and an offset inside the input, and
// frames never exceed the frame count; every extracted payload goes through
// the message decoder (which must not trap either).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCapture(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(fuzzInput(data, size))
    let ports: Set<UInt16> = [53, 5353, 35353, 35354]
    let detected = CaptureOptions(dnsPorts: ports, unrecognizedAsTCPStream: true)
    let smallBuffer = CaptureOptions(dnsPorts: ports, maxStreamBufferBytes: 4096, unrecognizedAsTCPStream: true)

    let first = read(bytes, format: nil, options: detected)
    let second = read(bytes, format: nil, options: detected)
    fuzzCheck(first.map(\.messages) == second.map(\.messages), "reading the same input twice gave different messages")
    _ = read(bytes, format: .tcpStream, options: detected)
    _ = read(bytes, format: nil, options: smallBuffer)
    return 0
}

private func read(_ bytes: [UInt8], format: CaptureFormat?, options: CaptureOptions) -> CaptureReadResult? {
    let result: CaptureReadResult
    do {
        result = try CaptureFile.messages(in: bytes, format: format, options: options)
    } catch {
        _ = error.description
        return nil
    }
    if let format { fuzzCheck(result.format == format, "asked for \(format), got \(result.format)") }
    fuzzCheck(result.frameCount >= 0, "negative frame count")
    for message in result.messages {
        fuzzCheck(message.bytes.count <= 65535, "a \(message.bytes.count)-byte DNS message")
        fuzzCheck(message.frame >= 1 && message.frame <= max(result.frameCount, 1),
                  "frame \(message.frame) of \(result.frameCount)")
        fuzzCheck(message.offset >= 0 && message.offset < max(bytes.count, 1),
                  "offset \(message.offset) outside the \(bytes.count)-byte input")
        if let decoded = try? Message(decoding: message.bytes) {
            _ = decoded.encoded()
        }
    }
    for problem in result.problems {
        fuzzCheck(problem.offset >= 0 && problem.offset <= bytes.count, "problem offset \(problem.offset) outside the input")
        _ = problem.description
    }
    return result
}
