import DNSWire
import Testing

@Suite("Message codec")
struct CodecTests {
    @Test func roundTripWithAndWithoutCompression() throws {
        let message = sampleResponse()
        let compressed = message.encoded()
        let plain = message.encoded(options: .init(compression: false))
        #expect(compressed.count < plain.count)
        #expect(try Message(decoding: compressed) == message)
        #expect(try Message(decoding: plain) == message)
        // Without compression every spelling survives; with it, a name that
        // matches an earlier one case-insensitively becomes a pointer to it
        // (RFC 1035 §4.1.4 as BIND does it) and reads back in that spelling.
        let back = try Message(decoding: plain)
        #expect(back.answers[2].name.isIdentical(to: "MAIL.example.test."))
        let pointed = try Message(decoding: compressed)
        #expect(pointed.answers[2].name.isIdentical(to: "mail.example.test."))
    }

    @Test func headerFlagsAndExtendedRCode() throws {
        var message = Message(header: Header(id: 0xABCD))
        message.header.isResponse = true
        message.header.opcode = .notify
        message.header.isAuthoritative = true
        message.header.isTruncated = true
        message.header.recursionDesired = true
        message.header.recursionAvailable = true
        message.header.z = true
        message.header.authenticData = true
        message.header.checkingDisabled = true
        message.rcode = .badVers  // 16: needs EDNS
        #expect(message.edns != nil)
        #expect(message.header.rcodeBits == 0)
        let back = try Message(decoding: message.encoded())
        #expect(back == message)
        #expect(back.rcode == .badVers)
        #expect(back.header.opcode == .notify)
        #expect(back.header.flags == 0xA7F0)
        #expect(back.rcode.description == "BADVERS")
    }

    @Test func compressionPointsAtEarlierNamesCaseInsensitively() throws {
        let owner: Name = "25.2.0.192.IN-ADDR.arpa."
        var message = Message.query(id: 1, name: "25.2.0.192.in-addr.arpa.", type: .ptr, ednsPayloadSize: nil)
        message.header.isResponse = true
        message.answers = [ResourceRecord(name: owner, ttl: 60, data: .ptr("host.in-addr.arpa."))]
        let bytes = message.encoded()
        // Question name at 12 (24 octets + root = 25 octets); the answer owner is one pointer to 12.
        let answerStart = 12 + 25 + 4
        #expect(Array(bytes[answerStart..<(answerStart + 2)]) == [0xC0, 12])
        // The PTR target "host" + pointer to "in-addr.arpa." inside the question (offset 12 + 11).
        let rdata = Array(bytes[(answerStart + 12)...])
        #expect(rdata == [4] + Array("host".utf8) + [0xC0, 12 + 11])
        #expect(try Message(decoding: bytes) == message)
    }

    @Test func srvTargetIsNeverCompressedButPointsCanBeFollowed() throws {
        let message = Message(answers: [
            ResourceRecord(name: "mail.example.test.", ttl: 1, data: .a(IPv4Address(192, 0, 2, 1))),
            ResourceRecord(name: "_x._tcp.example.test.", ttl: 1,
                           data: .srv(SRVData(priority: 0, weight: 0, port: 25, target: "mail.example.test."))),
        ])
        let bytes = message.encoded()
        let target = Name("mail.example.test.").wireBytes
        #expect(bytes.suffix(target.count) == target[...])
    }

    @Test func offsetsBeyond0x3FFFAreWrittenUncompressed() throws {
        // Enough TXT data to push later names past 16 KiB.
        var message = Message()
        let filler = [[UInt8]](repeating: [UInt8](repeating: 0x61, count: 255), count: 70)
        message.answers.append(ResourceRecord(name: "pad.example.test.", ttl: 0, data: .txt(filler)))
        message.answers.append(ResourceRecord(name: "late.example.test.", ttl: 0, data: .a(IPv4Address(192, 0, 2, 9))))
        message.answers.append(ResourceRecord(name: "late.example.test.", ttl: 0, data: .a(IPv4Address(192, 0, 2, 10))))
        let bytes = message.encoded()
        #expect(bytes.count > 0x4000)
        // "late" was written after 0x3FFF, so the third owner cannot point at it:
        // it is "late" + pointer to example.test. (written early).
        let decoded = try Message(decoding: bytes)
        #expect(decoded == message)
        var pointers: [Int] = []
        for i in 0x4000..<(bytes.count - 1) where bytes[i] & 0xC0 == 0xC0 && bytes[i - 1] == UInt8(ascii: "e") {
            pointers.append(Int(bytes[i] & 0x3F) << 8 | Int(bytes[i + 1]))
        }
        #expect(pointers.allSatisfy { $0 <= 0x3FFF })
    }

    @Test func unknownTypesAndClassesRoundTripByteForByte() throws {
        var m = RawMessage(an: 2)
        m.labels("x"); m.u16(65280); m.u16(7); m.u32(7); m.u16(5); m.bytes += [0xDE, 0xAD, 0xBE, 0xEF, 0x00]
        m.u8(0xC0); m.u8(12); m.u16(99); m.u16(0x8001); m.u32(0); m.u16(0)
        let message = try Message(decoding: m.bytes)
        #expect(message.answers[0].type.description == "TYPE65280")
        #expect(message.answers[0].dnsClass.description == "CLASS7")
        #expect(message.answers[0].data.presentation == "\\# 5 DEADBEEF00")
        #expect(message.answers[1].data.presentation == "\\# 0")
        #expect(message.encoded() == m.bytes)
        #expect(Opcode(9).description == "OPCODE9")
        #expect(ResponseCode(3841).description == "RCODE3841")
    }

    @Test func oldTypesWithCompressedNamesAreExpanded() throws {
        // An RP record (mbox, txt) whose names point at the owner: stored expanded.
        var m = RawMessage(an: 1)
        m.labels("who", "test"); m.u16(17); m.u16(1); m.u32(0); m.u16(4); m.pointer(12); m.pointer(16)
        let message = try Message(decoding: m.bytes)
        let expected = Name("who.test.").wireBytes + Name("test.").wireBytes
        #expect(message.answers[0].data == .unknown(expected))
        #expect(try Message(decoding: message.encoded()) == message)
    }

    @Test func presentationOfRecords() throws {
        let records = sampleResponse().answers.map(\.description)
        #expect(records == [
            "25.2.0.192.in-addr.arpa. 300 IN PTR mail.example.test.",
            "mail.example.test. 300 IN A 192.0.2.25",
            "MAIL.example.test. 300 IN AAAA 2001:db8::25",
            "alias.example.test. 60 IN CNAME mail.example.test.",
            "example.test. 60 IN MX 10 mail.example.test.",
            "example.test. 60 IN TXT \"v=spf1 -all\" \"\\000\\255\\\"\"",
            "_smtp._tcp.example.test. 60 IN SRV 1 2 25 mail.example.test.",
            "example.test. 5 IN TYPE65280 \\# 3 010203",
        ])
        #expect(sampleResponse().authorities[1].data.presentation
            == "ns1.example.test. hostmaster.example.test. 2026112301 7200 900 1209600 300")
    }

    @Test func everyStrictPrefixIsATruncationError() throws {
        for bytes in [sampleResponse().encoded(), sampleResponse().encoded(options: .init(compression: false))] {
            for length in 0..<bytes.count {
                do {
                    _ = try Message(decoding: Array(bytes[0..<length]))
                    Issue.record("prefix of \(length) octets decoded")
                } catch {
                    #expect(error.isTruncation, "prefix \(length): \(error)")
                    #expect(error.offset <= length)
                }
            }
        }
    }

    @Test func decodingIntoOneMessageGivesWhatInitGivesAndLeavesTakenRecordsAlone() throws {
        let first = sampleResponse()
        var second = Message.query(id: 9, name: "example.test.", type: .mx)
        second.header.isResponse = true
        second.answers = [ResourceRecord(name: "example.test.", ttl: 5, data: .mx(MXData(preference: 10, exchange: "mx.example.test.")))]
        second.authorities = [ResourceRecord(name: "example.test.", ttl: 5, data: .ns("ns.example.test."))]
        var message = Message()
        try message.decode(first.encoded())
        #expect(message == first)
        let kept = message.answers  // shares the storage: the next decode must not write into it
        try message.decode(second.encoded())
        #expect(message == second)
        #expect(kept == first.answers)
        try message.decode(first.encoded(options: .init(compression: false)))
        #expect(message == first)
        // A failed decode leaves the message empty, not half-filled.
        var truncated = second.encoded()
        truncated.removeLast(3)
        #expect(throws: DNSDecodeError.self) { try message.decode(truncated) }
        #expect(message == Message())
        try message.decode(second.encoded())
        #expect(message == second)
    }
}
