import DNSCapture
import Testing

@Suite("Addresses, endpoints, timestamps, errors")
struct ValueTypeTests {
    @Test(
        "IPv6 text follows RFC 5952",
        arguments: [
            ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
            ("0000:0000:0000:0000:0000:0000:0000:0000", "::"),
            ("0000:0000:0000:0000:0000:0000:0000:0001", "::1"),
            ("0001:0000:0000:0000:0000:0000:0000:0000", "1::"),
            ("2001:0db8:0000:0001:0001:0001:0001:0001", "2001:db8:0:1:1:1:1:1"),
            ("2001:0000:0000:0001:0000:0000:0000:0001", "2001:0:0:1::1"),
            ("2001:0db8:0000:0000:0001:0000:0000:0001", "2001:db8::1:0:0:1"),
            ("0000:0000:0000:0000:0000:ffff:c000:0201", "::ffff:192.0.2.1"),
            ("fe80:0000:0000:0000:abcd:ef01:2345:6789", "fe80::abcd:ef01:2345:6789"),
        ])
    func ipv6Text(expanded: String, canonical: String) throws {
        let bytes = expanded.split(separator: ":").flatMap { group -> [UInt8] in
            let value = UInt16(group, radix: 16) ?? 0
            return [UInt8(value >> 8), UInt8(value & 0xff)]
        }
        let address = try #require(CaptureAddress(bytes: bytes))
        #expect(address.description == canonical)
        #expect(address.bytes == bytes)
    }

    @Test("IPv4 addresses and endpoints")
    func ipv4() throws {
        let address = try #require(CaptureAddress(bytes: [192, 0, 2, 255]))
        #expect(address == .ipv4(0xc000_02ff))
        #expect(address.description == "192.0.2.255")
        #expect(address.bytes == [192, 0, 2, 255])
        #expect(CaptureEndpoint(address: address, port: 53).description == "192.0.2.255:53")
        #expect(CaptureAddress(bytes: [1, 2, 3]) == nil)
        let v6 = try #require(CaptureAddress(bytes: [UInt8](repeating: 0, count: 15) + [1]))
        #expect(CaptureEndpoint(address: v6, port: 853).description == "[::1]:853")
    }

    @Test("timestamps print nine fractional digits, order chronologically, and carry whole seconds")
    func timestamps() {
        #expect(CaptureTimestamp(seconds: 5, nanoseconds: 42).description == "5.000000042")
        #expect(
            CaptureTimestamp(seconds: 1, nanoseconds: 2_000_000_001) == CaptureTimestamp(seconds: 3, nanoseconds: 1))
        #expect(CaptureTimestamp(seconds: 1, nanoseconds: 999) < CaptureTimestamp(seconds: 2, nanoseconds: 0))
    }

    @Test("errors expose their offset and describe themselves")
    func errors() {
        #expect(CaptureError.truncatedRecord(at: 40).offset == 40)
        #expect(CaptureError.unsupportedVersion(major: 2, minor: 0, at: 96).offset == 96)
        #expect(CaptureError.unknownFormat.offset == nil)
        #expect(
            CaptureError.badBlockLength(at: 12).description == "pcapng block at offset 12 has an invalid total length")
        let problem = CaptureProblem(kind: .malformedUDP, frame: 3, offset: 100)
        #expect(problem.description == "frame 3 (offset 100): malformed UDP header")
    }
}
