import DNSWire
import Testing

/// Hand-made hostile messages: each must give its typed error, never a crash.
@Suite("Hostile input")
struct HostileInputTests {
    @Test func selfPointerIsRejected() {
        var m = RawMessage(qd: 1)
        m.pointer(12)  // the name at 12 points at itself
        m.u16(1); m.u16(1)
        #expect(throws: DNSDecodeError.pointerNotPrior(at: 12, target: 12)) { try Message(decoding: m.bytes) }
    }

    @Test func forwardPointerIsRejected() {
        var m = RawMessage(qd: 1)
        m.pointer(18)  // points past itself
        m.u16(1); m.u16(1)
        m.labels("x")
        #expect(throws: DNSDecodeError.pointerNotPrior(at: 12, target: 18)) { try Message(decoding: m.bytes) }
    }

    @Test func twoPointerCycleIsRejected() {
        // Offset 12 points to 14 and 14 points back to 12.
        var m = RawMessage(qd: 1)
        m.pointer(14)
        m.pointer(12)
        m.u16(1); m.u16(1)
        #expect(throws: DNSDecodeError.pointerNotPrior(at: 12, target: 14)) { try Message(decoding: m.bytes) }

        // Reached from a later name: the name at 18 points back to 16, whose
        // pointer leads forward to 18 again; the second hop is caught.
        var c = RawMessage(qd: 2)
        c.u8(0); c.u16(1); c.u16(1)   // 12: root question (12..16)
        c.u8(0xC0); c.u8(18)          // 17: never read as a name start
        c.pointer(17)                 // 19: second question's name → 17 → 18 (not prior to 17)
        c.u16(1); c.u16(1)
        #expect(throws: DNSDecodeError.pointerNotPrior(at: 17, target: 18)) { try Message(decoding: c.bytes) }
    }

    @Test func pointerIntoHeaderIsRejected() {
        var m = RawMessage(qd: 1)
        m.pointer(2)
        m.u16(1); m.u16(1)
        #expect(throws: DNSDecodeError.pointerIntoHeader(at: 12, target: 2)) { try Message(decoding: m.bytes) }
    }

    @Test func sixtyFourOctetLabelIsAReservedLabelType() {
        // 64 = 0x40: the top bits 01 mark the reserved "extended label" type.
        var m = RawMessage(qd: 1)
        m.u8(64); m.bytes += [UInt8](repeating: UInt8(ascii: "a"), count: 64); m.u8(0)
        m.u16(1); m.u16(1)
        #expect(throws: DNSDecodeError.reservedLabelType(at: 12, octet: 0x40)) { try Message(decoding: m.bytes) }
    }

    @Test func reservedLabelBitsAreRejected() {
        for octet: UInt8 in [0x40, 0x41, 0x7F, 0x80, 0xBF] {
            var m = RawMessage(qd: 1)
            m.u8(octet); m.bytes += [UInt8](repeating: 0, count: 4)
            #expect(throws: DNSDecodeError.reservedLabelType(at: 12, octet: octet)) { try Message(decoding: m.bytes) }
        }
    }

    @Test func nameOver255OctetsIsRejected() {
        // Four 63-octet labels: 4 × 64 + 1 = 257 octets.
        var m = RawMessage(qd: 1)
        for _ in 0..<4 { m.u8(63); m.bytes += [UInt8](repeating: UInt8(ascii: "x"), count: 63) }
        m.u8(0); m.u16(1); m.u16(1)
        #expect(throws: DNSDecodeError.nameTooLong(at: 12)) { try Message(decoding: m.bytes) }
    }

    @Test func nameOf255OctetsIsAccepted() throws {
        // 3 × 64 + 62 + 1 = 255 octets exactly.
        var m = RawMessage(qd: 1)
        for _ in 0..<3 { m.u8(63); m.bytes += [UInt8](repeating: UInt8(ascii: "x"), count: 63) }
        m.u8(61); m.bytes += [UInt8](repeating: UInt8(ascii: "y"), count: 61)
        m.u8(0); m.u16(1); m.u16(1)
        let message = try Message(decoding: m.bytes)
        #expect(message.questions[0].name.wireLength == 255)
    }

    @Test func nameOver255OctetsThroughPointersIsRejected() {
        // A 200-octet name, then a name of two 30-octet labels pointing at it: 62 + 200 > 255.
        var m = RawMessage(qd: 2)
        for _ in 0..<3 { m.u8(63); m.bytes += [UInt8](repeating: UInt8(ascii: "x"), count: 63) }
        m.u8(7); m.bytes += [UInt8](repeating: UInt8(ascii: "z"), count: 7); m.u8(0)
        m.u16(1); m.u16(1)
        let second = m.count
        for _ in 0..<2 { m.u8(30); m.bytes += [UInt8](repeating: UInt8(ascii: "w"), count: 30) }
        m.pointer(12); m.u16(1); m.u16(1)
        #expect(throws: DNSDecodeError.nameTooLong(at: second)) { try Message(decoding: m.bytes) }
    }

    @Test func rdlengthTooLongOrTooShortIsRejected() {
        // A record with RDLENGTH 5 (A needs 4), followed by one more byte so it isn't truncation.
        var long = RawMessage(an: 1)
        long.labels("a"); long.u16(1); long.u16(1); long.u32(60); long.u16(5); long.bytes += [192, 0, 2, 1, 9]
        #expect(throws: DNSDecodeError.rdataLengthMismatch(at: 12, declared: 5, consumed: 4)) { try Message(decoding: long.bytes) }

        var short = RawMessage(an: 1)
        short.labels("a"); short.u16(1); short.u16(1); short.u32(60); short.u16(3); short.bytes += [192, 0, 2]
        #expect(throws: DNSDecodeError.rdataLengthMismatch(at: 12, declared: 3, consumed: 3)) { try Message(decoding: short.bytes) }

        // A PTR whose RDLENGTH stops in the middle of the target name.
        var ptr = RawMessage(an: 1, ar: 1)
        ptr.labels("a"); ptr.u16(12); ptr.u16(1); ptr.u32(60); ptr.u16(3)
        ptr.labels("mail", "test")  // 11 octets, RDLENGTH says 3
        ptr.u8(0); ptr.u16(41); ptr.u16(512); ptr.u32(0); ptr.u16(0)
        #expect(throws: DNSDecodeError.self) { try Message(decoding: ptr.bytes) }
        do {
            _ = try Message(decoding: ptr.bytes)
        } catch {
            guard case .rdataLengthMismatch(at: 12, declared: 3, _) = error else {
                Issue.record("expected rdataLengthMismatch, got \(error)")
                return
            }
        }

        // An MX whose name ends before RDLENGTH does.
        var mx = RawMessage(an: 1)
        mx.labels("a"); mx.u16(15); mx.u16(1); mx.u32(60); mx.u16(8)
        mx.u16(10); mx.labels("m"); mx.u16(0xFFFF)  // 2 + 3 + 2 stray octets = 7... plus one
        mx.u8(0)
        #expect(throws: DNSDecodeError.rdataLengthMismatch(at: 12, declared: 8, consumed: 5)) { try Message(decoding: mx.bytes) }
    }

    @Test func hugeCountInHeaderOnlyMessage() {
        let m = RawMessage(an: 65535)
        #expect(m.count == 12)
        #expect(throws: DNSDecodeError.countExceedsMessage(section: .answer, count: 65535, at: 6)) {
            try Message(decoding: m.bytes)
        }
        let q = RawMessage(qd: 65535, an: 65535, ns: 65535, ar: 65535)
        #expect(throws: DNSDecodeError.countExceedsMessage(section: .question, count: 65535, at: 4)) {
            try Message(decoding: q.bytes)
        }
    }

    @Test func duplicateOPTIsRejected() {
        var m = RawMessage(ar: 2)
        for _ in 0..<2 { m.u8(0); m.u16(41); m.u16(1232); m.u32(0); m.u16(0) }
        #expect(throws: DNSDecodeError.duplicateOPT(at: 23)) { try Message(decoding: m.bytes) }
    }

    @Test func optWithNonRootOwnerIsRejected() {
        var m = RawMessage(ar: 1)
        m.labels("x"); m.u16(41); m.u16(1232); m.u32(0); m.u16(0)
        #expect(throws: DNSDecodeError.invalidOPTOwner(at: 12)) { try Message(decoding: m.bytes) }
    }

    @Test func optOptionRunningPastRDATAIsRejected() {
        var m = RawMessage(ar: 1)
        m.u8(0); m.u16(41); m.u16(1232); m.u32(0); m.u16(6)
        m.u16(10); m.u16(8); m.u16(0xABCD)  // option says 8 octets, 2 present
        #expect(throws: DNSDecodeError.invalidRDATA(at: 23, type: .opt)) { try Message(decoding: m.bytes) }
    }

    @Test func trailingBytesAreRejectedUnlessAllowed() throws {
        var m = RawMessage(qd: 1)
        m.labels("a"); m.u16(1); m.u16(1); m.u8(0xEE)
        #expect(throws: DNSDecodeError.trailingBytes(at: 19)) { try Message(decoding: m.bytes) }
        let relaxed = try Message(decoding: m.bytes, options: .init(allowTrailingBytes: true))
        #expect(relaxed.questions.count == 1)
    }

    @Test func pointerInsideUnknownTypeIsNotFollowed() throws {
        // TYPE65280 RDATA holding bytes that look like a pointer: kept raw.
        var m = RawMessage(an: 1)
        m.labels("a"); m.u16(65280); m.u16(1); m.u32(0); m.u16(2); m.pointer(12)
        let message = try Message(decoding: m.bytes)
        #expect(message.answers[0].data == .unknown([0xC0, 0x0C]))
        #expect(message.encoded(options: .init(compression: false)) == m.bytes)
    }

    @Test func seededMutationsNeverCrash() throws {
        // Byte flips, truncations and insertions over a real-looking response; a
        // fixed seed makes any failure reproducible.
        var rng = SplitMix64(seed: 0x5EED_F00D)
        let base = sampleResponse().encoded()
        var decoded = 0
        for _ in 0..<20_000 {
            var bytes = base
            let edits = 1 + Int(rng.next() % 4)
            for _ in 0..<edits {
                let position = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 3 {
                case 0: bytes[position] = UInt8(truncatingIfNeeded: rng.next())
                case 1: bytes.removeSubrange(position...)
                default: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: position)
                }
                if bytes.isEmpty { break }
            }
            if let message = try? Message(decoding: bytes) {
                decoded += 1
                // Whatever decodes must survive a round trip.
                let again = try Message(decoding: message.encoded())
                #expect(again == message)
            }
        }
        #expect(decoded > 0)
    }
}

/// A small deterministic RNG for reproducible mutation tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A response with every typed RDATA kind, compressible names and EDNS.
func sampleResponse() -> Message {
    var header = Header(id: 0xBEEF)
    header.isResponse = true
    header.recursionDesired = true
    header.recursionAvailable = true
    let owner: Name = "25.2.0.192.in-addr.arpa."
    return Message(
        header: header,
        questions: [Question(name: owner, type: .ptr)],
        answers: [
            ResourceRecord(name: owner, ttl: 300, data: .ptr("mail.example.test.")),
            ResourceRecord(name: "mail.example.test.", ttl: 300, data: .a(IPv4Address(192, 0, 2, 25))),
            ResourceRecord(name: "MAIL.example.test.", ttl: 300, data: .aaaa(IPv6Address("2001:db8::25")!)),
            ResourceRecord(name: "alias.example.test.", ttl: 60, data: .cname("mail.example.test.")),
            ResourceRecord(name: "example.test.", ttl: 60, data: .mx(MXData(preference: 10, exchange: "mail.example.test."))),
            ResourceRecord(name: "example.test.", ttl: 60, data: .txt([Array("v=spf1 -all".utf8), [0, 255, 34]])),
            ResourceRecord(name: "_smtp._tcp.example.test.", ttl: 60,
                           data: .srv(SRVData(priority: 1, weight: 2, port: 25, target: "mail.example.test."))),
            ResourceRecord(name: "example.test.", type: RecordType(65280), ttl: 5, data: .unknown([1, 2, 3])),
        ],
        authorities: [
            ResourceRecord(name: "example.test.", ttl: 3600, data: .ns("ns1.example.test.")),
            ResourceRecord(name: "example.test.", ttl: 3600, data: .soa(SOAData(
                mname: "ns1.example.test.", rname: "hostmaster.example.test.", serial: 2026112301,
                refresh: 7200, retry: 900, expire: 1209600, minimum: 300))),
        ],
        additionals: [ResourceRecord(name: "ns1.example.test.", ttl: 3600, data: .a(IPv4Address(192, 0, 2, 53)))],
        edns: EDNS(udpPayloadSize: 1232, dnssecOK: true, options: [EDNSOption(code: 10, data: [1, 2, 3, 4, 5, 6, 7, 8])])
    )
}
