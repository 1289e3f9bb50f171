import DNSCapture
import Testing

/// SplitMix64: a tiny seeded generator, so a failing mutation can be replayed from the printed seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

@Suite("Damaged input")
struct MutationTests {
    /// A capture touching most code paths: Ethernet + VLAN, IPv4 options, IPv6 extension headers, fragments,
    /// and a TCP message split over out-of-order segments.
    static func sampleFrames() -> [[UInt8]] {
        let message = dnsQuery(id: 7, extra: 30)
        let stream = framed(message) + framed(message)
        return [
            Link.ethernet(type: 0x0800, tags: [0x8100], payload: Packet.udp4(message)),
            Link.ethernet(
                type: 0x0800, payload: Packet.ipv4(payload: Packet.udp(payload: message), options: [1, 1, 1, 0])),
            Link.ethernet(
                type: 0x86dd,
                payload: Packet.ipv6(extensions: [.options(0, units: 1)], payload: Packet.udp(payload: message))),
            Link.ethernet(
                type: 0x0800,
                payload: Packet.ipv4(payload: Array(Packet.udp(payload: message).prefix(24)), flagsAndOffset: 0x2000)),
            Link.ethernet(
                type: 0x0800, payload: Packet.ipv4(protocolNumber: 6, payload: Packet.tcp(sequence: 0, flags: Packet.syn))),
            Link.ethernet(
                type: 0x0800,
                payload: Packet.ipv4(
                    protocolNumber: 6, payload: Packet.tcp(sequence: 31, payload: Array(stream.dropFirst(30))))),
            Link.ethernet(
                type: 0x0800,
                payload: Packet.ipv4(
                    protocolNumber: 6, payload: Packet.tcp(sequence: 1, payload: Array(stream.prefix(30))))),
        ]
    }

    static func samplePcapNG() -> [UInt8] {
        var writer = PcapNGWriter()
        writer.section()
        writer.interface(linkType: 1, options: [writer.option(9, [9])])
        for (index, frame) in sampleFrames().enumerated() {
            writer.enhancedPacket(interface: 0, timestamp: UInt64(index) * 1_000_000_000, data: frame)
        }
        return writer.bytes
    }

    @Test("random byte changes and cuts never crash", arguments: [0x5eed_0001, 0x5eed_0002] as [UInt64])
    func mutations(seed: UInt64) {
        print("mutation seed \(String(seed, radix: 16))")
        var random = SplitMix64(state: seed)
        let originals = [pcapFile(linkType: 1, frames: Self.sampleFrames()), Self.samplePcapNG()]
        #expect(originals.allSatisfy { (try? CaptureFile.messages(in: $0).messages.count) == 5 })
        for round in 0..<1500 {
            var bytes = originals[round % 2]
            for _ in 0..<Int.random(in: 1...6, using: &random) {
                let index = Int.random(in: 0..<bytes.count, using: &random)
                bytes[index] = UInt8.random(in: 0...255, using: &random)
            }
            if Bool.random(using: &random) {
                bytes.removeLast(Int.random(in: 0..<bytes.count, using: &random))
            }
            do {
                let result = try CaptureFile.messages(in: bytes)
                #expect(result.messages.count <= 10)
            } catch {
                #expect(error.offset.map { $0 < bytes.count } ?? true)
            }
        }
    }

    @Test("thousands of tiny out-of-order segments hit the segment limit, not quadratic time")
    func manyTinySegments() throws {
        var frames: [[UInt8]] = [Packet.ipv4(protocolNumber: 6, payload: Packet.tcp(sequence: 0, flags: Packet.syn))]
        // Byte 1 is never sent; bytes 2... arrive one per segment.
        for sequence in 2..<4200 {
            frames.append(
                Packet.ipv4(protocolNumber: 6, payload: Packet.tcp(sequence: UInt32(sequence), payload: [0])))
        }
        let result = try CaptureFile.messages(in: pcapFile(linkType: 101, frames: frames))
        // The gap is reported at the frame where reading resumed (frame 2), before the frame that hit the limit.
        #expect(result.problems.map(\.kind) == [.tcpGap(missingBytes: 1), .tcpBufferLimitExceeded(limit: 4 << 20)])
        #expect(result.problems.map(\.frame) == [2, 4098])
    }
}
