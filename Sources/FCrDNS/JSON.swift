// A tiny JSON writer (no Foundation) and the JSON form of a result.

import DNSWire

/// The JSON text helpers: strings as RFC 8259 wants them.
enum JSON {
    /// Writes a JSON string (RFC 8259 §7): `"` and `\` escaped, control
    /// characters as `\n`, `\t`, … or `\u00XX`, and U+2028/U+2029 escaped
    /// too so the output is also safe inside JavaScript.
    static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Fast path: nothing to escape (the usual case), one bulk copy.
        let plain = s.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            for byte in bytes where byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0x7F || byte == 0xE2 {
                return false
            }
            out.append(contentsOf: bytes)
            return true
        }
        if plain == true {
            out.append(UInt8(ascii: "\""))
            return
        }
        var utf8 = s.utf8.makeIterator()
        var pending: [UInt8] = []
        while let byte = utf8.next() {
            switch byte {
            case 0x22: out.append(contentsOf: [0x5C, 0x22])
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x00..<0x20, 0x7F:
                writeUnicodeEscape(UInt32(byte), to: &out)
            case 0xE2:
                // U+2028 and U+2029 are E2 80 A8 / E2 80 A9 in UTF-8.
                pending = [byte]
                if let second = utf8.next() {
                    pending.append(second)
                    if second == 0x80, let third = utf8.next() {
                        if third == 0xA8 || third == 0xA9 {
                            writeUnicodeEscape(third == 0xA8 ? 0x2028 : 0x2029, to: &out)
                            continue
                        }
                        pending.append(third)
                    }
                }
                out.append(contentsOf: pending)
            default:
                out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    static func writeUnicodeEscape(_ value: UInt32, to out: inout [UInt8]) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        out.append(contentsOf: [0x5C, UInt8(ascii: "u")])
        for shift in stride(from: 12, through: 0, by: -4) {
            out.append(hex[Int((value >> UInt32(shift)) & 0xF)])
        }
    }
}

/// Writes compact JSON as UTF-8 straight into one buffer, in document
/// order: no tree of values to build and walk, no string per member.
struct JSONWriter {
    /// The text so far.
    private(set) var bytes: [UInt8] = []
    /// A value was just written at this level: the next one needs a comma.
    private var needsComma = false

    init(capacity: Int = 2048) {
        bytes.reserveCapacity(capacity)
    }

    /// The text as a String.
    var text: String { String(decoding: bytes, as: UTF8.self) }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        needsComma = false
    }

    /// `{…}` with the members `body` writes.
    mutating func object(_ body: (inout JSONWriter) -> Void) {
        enclosed(UInt8(ascii: "{"), UInt8(ascii: "}"), body)
    }

    /// `[…]` with the elements `body` writes.
    mutating func array(_ body: (inout JSONWriter) -> Void) {
        enclosed(UInt8(ascii: "["), UInt8(ascii: "]"), body)
    }

    private mutating func enclosed(_ open: UInt8, _ close: UInt8, _ body: (inout JSONWriter) -> Void) {
        separate()
        bytes.append(open)
        body(&self)
        bytes.append(close)
        needsComma = true
    }

    /// A member's key; its value must follow. Keys are ASCII literals that
    /// need no escaping.
    mutating func key(_ key: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    mutating func string(_ value: String) {
        separate()
        JSON.writeString(value, to: &bytes)
        needsComma = true
    }

    mutating func string(_ value: String?) {
        if let value { string(value) } else { null() }
    }

    /// A name in presentation form.
    mutating func name(_ value: Name) { string(value.description) }

    mutating func names(_ values: [Name]) {
        array { writer in
            for value in values { writer.name(value) }
        }
    }

    mutating func int(_ value: Int) {
        separate()
        bytes.append(contentsOf: String(value).utf8)
        needsComma = true
    }

    /// A number already formatted (`12.345`).
    mutating func number(_ text: String) {
        separate()
        bytes.append(contentsOf: text.utf8)
        needsComma = true
    }

    mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
        needsComma = true
    }

    mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
        needsComma = true
    }

    /// `"key":"value"`, or `"key":null`.
    mutating func member(_ key: StaticString, _ value: String?) {
        self.key(key)
        string(value)
    }

    /// `"key":"name."`.
    mutating func member(_ key: StaticString, _ value: Name) {
        self.key(key)
        name(value)
    }

    /// `"key":["name.",…]`.
    mutating func member(_ key: StaticString, _ values: [Name]) {
        self.key(key)
        names(values)
    }
}

/// Formats durations as milliseconds with three decimals, without Foundation.
enum Milliseconds {
    static func text(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        var micros = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        let negative = micros < 0
        if negative { micros = -micros }
        let fraction = String(micros % 1000)
        return (negative ? "-" : "") + String(micros / 1000) + "." + String(repeating: "0", count: 3 - fraction.count)
            + fraction
    }
}

extension FCrDNSResult {
    /// The whole result as one compact JSON object, keys in this order:
    /// `verdict`, `reason`, `ip`, `original_ip`, `helo`, `reverse_name`,
    /// `ptr`, `ptr_names`, `confirmed_names`, `names_left_out`, `evidence`,
    /// `findings`, `authentication_results`, `smtp_reply`, `exit_code`,
    /// `duration_ms`, `trace`.
    ///
    /// Names are written in presentation form with the trailing dot, so
    /// octets that are not printable ASCII appear as `\DDD` escapes (which
    /// JSON then writes as `\\DDD`) and any name round-trips through
    /// ``Name/init(parsing:)``.
    public var json: String {
        var writer = JSONWriter()
        write(to: &writer)
        return writer.text
    }

    func write(to w: inout JSONWriter) {
        w.object { w in
            w.member("verdict", verdict.result.rawValue)
            w.member("reason", reason)
            w.member("ip", ip.description)
            w.member("original_ip", originalIP.description)
            w.member("helo", helo)
            w.member("reverse_name", reverseName)
            w.key("ptr")
            w.object { w in
                w.member("outcome", ptrOutcome.kind)
                if case .transient(let failure) = ptrOutcome { w.member("error", failure.description) }
                if case .found(let received) = ptrOutcome {
                    w.member("answer", received)
                }
                w.member("cname_chain", ptrCNAMEChain)
            }
            w.member("ptr_names", ptrNames)
            w.key("confirmed_names")
            w.array { w in
                for confirmed in confirmedNames {
                    w.object { w in
                        w.member("name", confirmed.name)
                        w.member("address", confirmed.address.description)
                        w.member("type", confirmed.recordType.description)
                        w.member("cname_chain", confirmed.cnameChain)
                    }
                }
            }
            w.member("names_left_out", namesLeftOut)
            w.key("evidence")
            w.array { w in
                for item in evidence { item.write(to: &w) }
            }
            w.key("findings")
            w.array { w in
                for finding in findings { finding.write(to: &w) }
            }
            w.member("authentication_results", authenticationResults)
            w.member("smtp_reply", smtpReply?.description)
            w.key("exit_code")
            w.int(Int(exitCode))
            w.key("duration_ms")
            w.number(Milliseconds.text(duration))
            w.key("trace")
            w.array { w in
                for query in trace { query.write(to: &w, relativeTo: started) }
            }
        }
    }
}

extension NameEvidence {
    func write(to w: inout JSONWriter) {
        w.object { w in
            w.member("name", name)
            w.member("status", status.word)
            if case .transient(let failure) = status { w.member("error", failure.description) }
            w.member("problem", problem?.code)
            w.key("addresses")
            w.array { w in
                for address in addresses { w.string(address.description) }
            }
            w.key("lookups")
            w.array { w in
                for lookup in lookups {
                    w.object { w in
                        w.member("type", lookup.type.description)
                        w.member("outcome", lookup.outcome.kind)
                        switch lookup.outcome {
                        case .found(let addresses):
                            w.key("addresses")
                            w.array { w in
                                for address in addresses { w.string(address.description) }
                            }
                        case .transient(let failure):
                            w.member("error", failure.description)
                        case .nxdomain, .nodata:
                            break
                        }
                        w.member("cname_chain", lookup.cnameChain)
                    }
                }
            }
        }
    }
}

extension Finding {
    func write(to w: inout JSONWriter) {
        w.object { w in
            w.member("type", code)
            switch self {
            case .ipv4MappedClient(let mapped):
                w.member("address", mapped.description)
            case .specialUseAddress(let range):
                w.member("prefix", range.prefix)
                w.member("range", range.name)
                w.member("reference", range.reference)
            case .duplicateNames(let names):
                w.member("names", names)
            case .invalidHostName(let name, let problem):
                w.member("name", name)
                w.member("problem", problem.code)
            case .numericName(let name), .reverseTreeName(let name):
                w.member("name", name)
            case .genericName(let name, let signals):
                w.member("name", name)
                w.key("signals")
                w.array { w in
                    for signal in signals { w.string(signal.code) }
                }
            case .multipleRegistrableDomains(let domains):
                w.member("domains", domains)
            case .aliasTarget(let name, let canonical):
                w.member("name", name)
                w.member("canonical", canonical)
            case .namesLeftOut(let names, let limit):
                w.member("names", names)
                w.key("limit")
                w.int(limit)
            case .helo(let helo):
                switch helo {
                case .matchesConfirmedName(let name), .matchesUnconfirmedName(let name), .mismatch(let name),
                    .notFullyQualified(let name):
                    w.member("name", name)
                case .addressLiteral(let address, let matches):
                    w.member("address", address.description)
                    w.key("matches_client")
                    w.bool(matches)
                case .invalidSyntax:
                    break
                }
            }
            w.member("description", description)
        }
    }
}

extension QueryTrace {
    func write(to w: inout JSONWriter, relativeTo origin: ContinuousClock.Instant) {
        w.object { w in
            w.member("name", name)
            w.member("type", type.description)
            w.member("server", server)
            w.member("transport", transport.rawValue)
            switch outcome {
            case .response(let rcode, let count):
                w.member("outcome", "response")
                w.member("rcode", rcode.description)
                w.key("answers")
                w.int(count)
            case .truncated: w.member("outcome", "truncated")
            case .timeout: w.member("outcome", "timeout")
            case .abandoned: w.member("outcome", "abandoned")
            case .error(let message):
                w.member("outcome", "error")
                w.member("error", message)
            }
            w.key("start_ms")
            w.number(Milliseconds.text(origin.duration(to: start)))
            w.key("duration_ms")
            w.number(Milliseconds.text(duration))
        }
    }
}
