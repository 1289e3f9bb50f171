import DNSWire
import Testing
@testable import FCrDNS

/// Scenarios shared by the output tests.
enum Scenario {
    static func pass() async -> FCrDNSResult {
        var resolver = ScriptedResolver()
        resolver.setPTR(for: ip("192.0.2.25"), ["mail.example.test."])
        resolver.setAddresses("mail.example.test.", .a, ["192.0.2.25"])
        return await evaluate(resolver, "192.0.2.25", helo: "mail.example.test")
    }

    static func fail() async -> FCrDNSResult {
        var resolver = ScriptedResolver()
        resolver.setPTR(for: ip("192.0.2.26"), ["a.example.test.", "b.example.test."])
        resolver.setAddresses("a.example.test.", .a, ["192.0.2.99"])
        resolver.setAddresses("b.example.test.", .a, .nxdomain)
        return await evaluate(resolver, "192.0.2.26")
    }

    static func ptr(_ outcome: LookupOutcome<[Name]>, _ address: String = "192.0.2.27",
                    options: FCrDNSOptions = FCrDNSOptions()) async -> FCrDNSResult {
        var resolver = ScriptedResolver()
        resolver.setPTR(ip(address).normalized.reverseName, outcome)
        return await evaluate(resolver, address, options: options)
    }

    static func forwardTemp() async -> FCrDNSResult {
        var resolver = ScriptedResolver()
        resolver.setPTR(for: ip("192.0.2.28"), ["mail.example.test.", "b.example.test.", "c.example.test."])
        resolver.setAddresses("mail.example.test.", .a, .transient(.serverFailure))
        resolver.setAddresses("b.example.test.", .a, .transient(.timeout))
        resolver.setAddresses("c.example.test.", .a, .nxdomain)
        return await evaluate(resolver, "192.0.2.28")
    }
}

@Suite("Authentication-Results")
struct AuthenticationResultsTests {
    @Test func pass() async {
        let result = await Scenario.pass()
        #expect(result.authenticationResults == "iprev=pass (mail.example.test) policy.iprev=192.0.2.25")
        #expect(result.authenticationResultsHeaderValue == nil)
    }

    @Test func fail() async {
        #expect(await Scenario.fail().authenticationResults
            == "iprev=fail (no PTR name resolves to 192.0.2.26) policy.iprev=192.0.2.26")
    }

    @Test func permerror() async {
        #expect(await Scenario.ptr(.nxdomain).authenticationResults
            == "iprev=permerror (no PTR record: NXDOMAIN) policy.iprev=192.0.2.27")
        #expect(await Scenario.ptr(.nodata).authenticationResults
            == "iprev=permerror (no PTR record: NODATA) policy.iprev=192.0.2.27")
    }

    @Test func temperror() async {
        #expect(await Scenario.ptr(.transient(.serverFailure)).authenticationResults
            == "iprev=temperror (PTR lookup: SERVFAIL) policy.iprev=192.0.2.27")
        #expect(await Scenario.ptr(.transient(.timeout)).authenticationResults
            == "iprev=temperror (PTR lookup: timeout) policy.iprev=192.0.2.27")
        #expect(await Scenario.forwardTemp().authenticationResults
            == "iprev=temperror (A lookup of mail.example.test: SERVFAIL, and 1 more name) policy.iprev=192.0.2.28")
    }

    @Test("IPv6 in policy.iprev is RFC 5952 text in a quoted-string")
    func ipv6() async {
        var resolver = ScriptedResolver()
        resolver.setPTR(for: ip("2001:DB8:0:0::25"), ["mail6.example.test."])
        resolver.setAddresses("mail6.example.test.", .aaaa, ["2001:db8::25"])
        let result = await evaluate(resolver, "2001:DB8:0:0::25")
        #expect(result.authenticationResults == #"iprev=pass (mail6.example.test) policy.iprev="2001:db8::25""#)
        let nx = await Scenario.ptr(.nxdomain, "2001:db8::26")
        #expect(nx.authenticationResults == #"iprev=permerror (no PTR record: NXDOMAIN) policy.iprev="2001:db8::26""#)
    }

    @Test func headerValueWithAuthservID() async {
        let result = await Scenario.ptr(.nxdomain, options: FCrDNSOptions(authservID: "mx.example.net"))
        #expect(result.authenticationResultsHeaderValue
            == "mx.example.net; iprev=permerror (no PTR record: NXDOMAIN) policy.iprev=192.0.2.27")
    }

    @Test("names with parentheses, backslashes and odd octets give a valid RFC 5322 comment")
    func oddNamesInComment() async throws {
        let odd = rawName([Array("a(b)c\\".utf8), [0x20, 0xFF, 0x0A, UInt8(ascii: "\"")],
                           Array("example".utf8), Array("test".utf8)])
        var resolver = ScriptedResolver()
        resolver.setPTR(for: ip("192.0.2.25"), [odd])
        resolver.setAddresses(odd, .a, ["192.0.2.25"])
        let pass = await evaluate(resolver, "192.0.2.25")
        let header = pass.authenticationResults
        #expect(header == #"iprev=pass (a\\\(b\\\)c\\\\.\\032\\255\\010\\".example.test) policy.iprev=192.0.2.25"#)
        let comment = try #require(commentContent(header))
        // The comment decodes to the presentation form of the name.
        #expect(comment == displayName(odd))
        #expect(try Name(parsing: comment).isIdentical(to: odd))

        resolver.setAddresses(odd, .a, .transient(.serverFailure))
        let temp = await evaluate(resolver, "192.0.2.25")
        #expect(commentContent(temp.authenticationResults) == "A lookup of \(displayName(odd)): SERVFAIL")
    }

    /// Parses `iprev=word (comment) …` per RFC 5322 §3.2.2 (ctext,
    /// quoted-pair, nesting) and returns the decoded comment, or nil when
    /// the comment is malformed or contains forbidden characters.
    func commentContent(_ header: String) -> String? {
        let bytes = Array(header.utf8)
        guard var i = bytes.firstIndex(of: UInt8(ascii: "(")) else { return nil }
        i += 1
        var depth = 1
        var out: [UInt8] = []
        while i < bytes.count {
            let b = bytes[i]
            switch b {
            case UInt8(ascii: "\\"):
                guard i + 1 < bytes.count, bytes[i + 1] >= 0x20, bytes[i + 1] < 0x7F else { return nil }
                out.append(bytes[i + 1])
                i += 2
                continue
            case UInt8(ascii: "("):
                depth += 1
            case UInt8(ascii: ")"):
                depth -= 1
                if depth == 0 {
                    let rest = bytes[(i + 1)...]
                    guard rest.starts(with: Array(" policy.iprev=".utf8)) else { return nil }
                    return String(decoding: out, as: UTF8.self)
                }
            case 0x20...0x7E:
                break
            default:
                return nil
            }
            out.append(b)
            i += 1
        }
        return nil
    }
}

@Suite("SMTP reply and exit codes")
struct SMTPReplyTests {
    static let gmail = "The IP address sending this message does not have a PTR record setup, or the corresponding "
        + "forward DNS entry does not point to the sending IP"

    @Test func replies() async {
        #expect(await Scenario.pass().smtpReply == nil)
        #expect(await Scenario.fail().smtpReply?.description == "550 5.7.25 [192.0.2.26] " + Self.gmail)
        let perm = await Scenario.ptr(.nodata)
        #expect(perm.smtpReply?.code == 550)
        #expect(perm.smtpReply?.enhancedCode == "5.7.25")
        let temp = await Scenario.ptr(.transient(.serverFailure))
        #expect(temp.smtpReply?.code == 450)
        #expect(temp.smtpReply?.enhancedCode == "4.7.25")
        #expect(temp.smtpReply?.description.hasPrefix("450 4.7.25 [192.0.2.27] ") == true)
    }

    @Test("reply texts are configurable, {ip} is substituted, line breaks cannot get in")
    func customText() async {
        let options = FCrDNSOptions(permanentReplyText: "No FCrDNS for {ip}\r\n250 OK",
                                    temporaryReplyText: "Try later, {ip}")
        #expect(await Scenario.ptr(.nxdomain, options: options).smtpReply?.description
            == "550 5.7.25 No FCrDNS for 192.0.2.27  250 OK")
        #expect(await Scenario.ptr(.transient(.timeout), options: options).smtpReply?.description
            == "450 4.7.25 Try later, 192.0.2.27")
    }

    @Test func exitCodes() async {
        #expect(await Scenario.pass().exitCode == 0)
        #expect(await Scenario.fail().exitCode == 1)
        #expect(await Scenario.ptr(.nxdomain).exitCode == 2)
        #expect(await Scenario.ptr(.transient(.serverFailure)).exitCode == 3)
        #expect(IPRevResult.allCases.map(\.exitCode) == [0, 1, 2, 3])
    }
}

@Suite("Text rendering")
struct TextTests {
    @Test func firstLines() async {
        #expect(await Scenario.pass().text.split(separator: "\n")[0] == "pass 192.0.2.25 mail.example.test")
        #expect(await Scenario.fail().text.split(separator: "\n")[0]
            == "fail 192.0.2.26 a.example.test b.example.test (no PTR name resolves to 192.0.2.26)")
        #expect(await Scenario.ptr(.nxdomain).text.split(separator: "\n")[0]
            == "permerror 192.0.2.27 (no PTR record: NXDOMAIN)")
        #expect(await Scenario.forwardTemp().text.split(separator: "\n")[0]
            == "temperror 192.0.2.28 mail.example.test b.example.test "
                + "(A lookup of mail.example.test: SERVFAIL, and 1 more name)")
    }

    @Test func evidenceAndFindingLines() async {
        let lines = await Scenario.fail().text.split(separator: "\n").map(String.init)
        #expect(lines[1] == "  PTR 26.2.0.192.in-addr.arpa.: a.example.test. b.example.test.")
        #expect(lines[2] == "  a.example.test. mismatch; A 192.0.2.99")
        #expect(lines[3] == "  b.example.test. nxdomain; A NXDOMAIN")
        #expect(lines[4] == "  finding: client address is in 192.0.2.0/24 (Documentation (TEST-NET-1), RFC 5737)")
        let pass = await Scenario.pass().text
        #expect(pass.hasSuffix("  finding: HELO mail.example.test. matches a confirmed PTR name"))
    }
}

@Suite("JSON")
struct JSONTests {
    @Test("string escaping", arguments: [
        ("plain", #""plain""#),
        ("q\"b\\s/", #""q\"b\\s/""#),
        ("\n\r\t\u{08}\u{0C}", #""\n\r\t\b\f""#),
        ("\u{01}\u{1F}\u{7F}", #""\u0001\u001f\u007f""#),
        ("é€😀", "\"é€😀\""),
        ("\u{2028}\u{2029}", #""\u2028\u2029""#),
        ("a€\u{2028}b\u{2027}", "\"a€\\u2028b\u{2027}\""),
    ])
    func escaping(_ input: String, _ expected: String) {
        var out: [UInt8] = []
        JSON.writeString(input, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == expected)
    }

    @Test("milliseconds", arguments: [
        (Duration.zero, "0.000"),
        (.microseconds(1), "0.001"),
        (.milliseconds(12) + .microseconds(345), "12.345"),
        (.seconds(10), "10000.000"),
        (.microseconds(-1500), "-1.500"),
    ])
    func milliseconds(_ duration: Duration, _ expected: String) {
        #expect(Milliseconds.text(duration) == expected)
    }

    @Test("the whole result is one valid JSON object with the agreed keys in order")
    func keys() async throws {
        for result in [await Scenario.pass(), await Scenario.fail(), await Scenario.ptr(.nxdomain),
                       await Scenario.forwardTemp()] {
            let json = result.json
            #expect(JSONChecker.isValid(json), "\(json)")
            let keys = ["verdict", "reason", "ip", "original_ip", "helo", "reverse_name", "ptr", "ptr_names",
                        "confirmed_names", "names_left_out", "evidence", "findings", "authentication_results",
                        "smtp_reply", "exit_code", "duration_ms", "trace"]
            var position = json.startIndex
            for key in keys {
                let range = try #require(json[position...].firstRange(of: "\"\(key)\":"), "\(key)")
                position = range.upperBound
            }
        }
    }

    @Test func passContent() async {
        let json = await Scenario.pass().json
        #expect(json.hasPrefix(#"{"verdict":"pass","reason":"mail.example.test resolves to 192.0.2.25","ip":"192.0.2.25","#))
        #expect(json.contains(#""helo":"mail.example.test""#))
        #expect(json.contains(#""confirmed_names":[{"name":"mail.example.test.","address":"192.0.2.25","type":"A","cname_chain":[]}]"#))
        #expect(json.contains(#""evidence":[{"name":"mail.example.test.","status":"confirmed","problem":null,"addresses":["192.0.2.25"],"lookups":[{"type":"A","outcome":"found","addresses":["192.0.2.25"],"cname_chain":[]}]}]"#))
        #expect(json.contains(#""smtp_reply":null,"exit_code":0"#))
        #expect(json.contains(#""type":"helo_matches_confirmed_name","name":"mail.example.test.""#))
        #expect(json.contains(#""trace":[{"name":"25.2.0.192.in-addr.arpa.","type":"PTR","server":"192.0.2.53:53","transport":"udp","outcome":"response","rcode":"NOERROR","answers":1,"start_ms":"#))
    }

    @Test func temperrorContent() async {
        let json = await Scenario.ptr(.transient(.network("connection \"refused\"")))
        #expect(json.json.contains(#""ptr":{"outcome":"transient","error":"network error: connection \"refused\"","cname_chain":[]}"#))
        #expect(json.json.contains(#""helo":null"#))
    }

    @Test("odd names appear in escaped presentation form, and HELO text is escaped")
    func oddNames() async {
        let odd = rawName([[UInt8(ascii: "\""), 0x01, 0xFF, UInt8(ascii: "\\"), UInt8(ascii: "."), 0x20],
                           Array("example".utf8), Array("test".utf8)])
        var resolver = ScriptedResolver()
        resolver.setPTR(for: ip("192.0.2.25"), [odd])
        resolver.setAddresses(odd, .a, ["192.0.2.99"])
        let result = await evaluate(resolver, "192.0.2.25", helo: "evil\"\n\u{1}é")
        let json = result.json
        #expect(JSONChecker.isValid(json))
        // Presentation form: \"\001\255\\\.\032.example.test. — then JSON escapes each \ and ".
        #expect(json.contains(#""ptr_names":["\\\"\\001\\255\\\\\\.\\032.example.test."]"#))
        #expect(json.contains(#""helo":"evil\"\n\u0001é""#))
        #expect(!json.utf8.contains { $0 < 0x20 })
    }
}

/// A strict JSON syntax checker (RFC 8259) for the tests: no values built.
enum JSONChecker {
    static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var i = 0
        guard value(bytes, &i) else { return false }
        skipSpace(bytes, &i)
        return i == bytes.count
    }

    static func skipSpace(_ b: [UInt8], _ i: inout Int) {
        while i < b.count, [0x20, 0x09, 0x0A, 0x0D].contains(b[i]) { i += 1 }
    }

    static func literal(_ b: [UInt8], _ i: inout Int, _ word: String) -> Bool {
        let w = Array(word.utf8)
        guard b.count - i >= w.count, Array(b[i..<(i + w.count)]) == w else { return false }
        i += w.count
        return true
    }

    static func value(_ b: [UInt8], _ i: inout Int) -> Bool {
        skipSpace(b, &i)
        guard i < b.count else { return false }
        switch b[i] {
        case UInt8(ascii: "{"):
            i += 1
            skipSpace(b, &i)
            if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return true }
            while true {
                skipSpace(b, &i)
                guard string(b, &i) else { return false }
                skipSpace(b, &i)
                guard i < b.count, b[i] == UInt8(ascii: ":") else { return false }
                i += 1
                guard value(b, &i) else { return false }
                skipSpace(b, &i)
                guard i < b.count else { return false }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: "}") { i += 1; return true }
                return false
            }
        case UInt8(ascii: "["):
            i += 1
            skipSpace(b, &i)
            if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return true }
            while true {
                guard value(b, &i) else { return false }
                skipSpace(b, &i)
                guard i < b.count else { return false }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: "]") { i += 1; return true }
                return false
            }
        case UInt8(ascii: "\""):
            return string(b, &i)
        case UInt8(ascii: "t"): return literal(b, &i, "true")
        case UInt8(ascii: "f"): return literal(b, &i, "false")
        case UInt8(ascii: "n"): return literal(b, &i, "null")
        default:
            return number(b, &i)
        }
    }

    static func string(_ b: [UInt8], _ i: inout Int) -> Bool {
        guard i < b.count, b[i] == UInt8(ascii: "\"") else { return false }
        i += 1
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\"") { i += 1; return true }
            if c < 0x20 { return false }
            if c == UInt8(ascii: "\\") {
                guard i + 1 < b.count else { return false }
                let e = b[i + 1]
                if Array(#""\/bfnrt"#.utf8).contains(e) {
                    i += 2
                } else if e == UInt8(ascii: "u") {
                    guard i + 5 < b.count, b[(i + 2)...(i + 5)].allSatisfy({ hexValue($0) != nil }) else { return false }
                    i += 6
                } else {
                    return false
                }
                continue
            }
            i += 1
        }
        return false
    }

    static func number(_ b: [UInt8], _ i: inout Int) -> Bool {
        let start = i
        if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
        let intStart = i
        while i < b.count, isDigit(b[i]) { i += 1 }
        guard i > intStart else { return false }
        if b[intStart] == UInt8(ascii: "0"), i - intStart > 1 { return false }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            let fracStart = i
            while i < b.count, isDigit(b[i]) { i += 1 }
            guard i > fracStart else { return false }
        }
        return i > start
    }
}
