// A tiny JSON writer (no Foundation) and the JSON form of a result.

import DNSWire

/// A JSON value, written compactly by ``rendered``.
enum JSON {
    case string(String)
    case int(Int)
    /// A number already formatted (`12.345`).
    case number(String)
    case bool(Bool)
    case null
    case array([JSON])
    case object([(String, JSON)])

    static func name(_ name: Name) -> JSON { .string(name.description) }
    static func names(_ names: [Name]) -> JSON { .array(names.map(JSON.name)) }
    static func optional(_ string: String?) -> JSON { string.map(JSON.string) ?? .null }

    var rendered: String {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        write(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Writes the value as UTF-8 (building the text as octets and making one
    /// String at the end is several times faster than appending to a String).
    func write(to out: inout [UInt8]) {
        switch self {
        case .string(let s): JSON.writeString(s, to: &out)
        case .int(let n): out.append(contentsOf: String(n).utf8)
        case .number(let text): out.append(contentsOf: text.utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .null: out.append(contentsOf: "null".utf8)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSON.writeString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                value.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

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
    public var json: String { jsonValue.rendered }

    var jsonValue: JSON {
        var ptr: [(String, JSON)] = [("outcome", .string(ptrOutcome.kind))]
        if case .transient(let failure) = ptrOutcome { ptr.append(("error", .string(failure.description))) }
        if case .found(let received) = ptrOutcome { ptr.append(("answer", JSON.names(received))) }
        ptr.append(("cname_chain", JSON.names(ptrCNAMEChain)))
        return .object([
            ("verdict", .string(verdict.result.rawValue)),
            ("reason", .string(reason)),
            ("ip", .string(ip.description)),
            ("original_ip", .string(originalIP.description)),
            ("helo", JSON.optional(helo)),
            ("reverse_name", JSON.name(reverseName)),
            ("ptr", .object(ptr)),
            ("ptr_names", JSON.names(ptrNames)),
            ("confirmed_names", .array(confirmedNames.map { confirmed in
                .object([
                    ("name", JSON.name(confirmed.name)),
                    ("address", .string(confirmed.address.description)),
                    ("type", .string(confirmed.recordType.description)),
                    ("cname_chain", JSON.names(confirmed.cnameChain)),
                ])
            })),
            ("names_left_out", JSON.names(namesLeftOut)),
            ("evidence", .array(evidence.map(\.jsonValue))),
            ("findings", .array(findings.map(\.jsonValue))),
            ("authentication_results", .string(authenticationResults)),
            ("smtp_reply", JSON.optional(smtpReply?.description)),
            ("exit_code", .int(Int(exitCode))),
            ("duration_ms", .number(Milliseconds.text(duration))),
            ("trace", .array(trace.map { $0.jsonValue(relativeTo: started) })),
        ])
    }
}

extension NameEvidence {
    var jsonValue: JSON {
        var members: [(String, JSON)] = [
            ("name", JSON.name(name)),
            ("status", .string(status.word)),
        ]
        if case .transient(let failure) = status { members.append(("error", .string(failure.description))) }
        members.append(("problem", problem.map { .string($0.code) } ?? .null))
        members.append(("addresses", .array(addresses.map { .string($0.description) })))
        members.append(("lookups", .array(lookups.map { lookup in
            var fields: [(String, JSON)] = [
                ("type", .string(lookup.type.description)),
                ("outcome", .string(lookup.outcome.kind)),
            ]
            switch lookup.outcome {
            case .found(let addresses): fields.append(("addresses", .array(addresses.map { .string($0.description) })))
            case .transient(let failure): fields.append(("error", .string(failure.description)))
            case .nxdomain, .nodata: break
            }
            fields.append(("cname_chain", JSON.names(lookup.cnameChain)))
            return .object(fields)
        })))
        return .object(members)
    }
}

extension Finding {
    var jsonValue: JSON {
        var members: [(String, JSON)] = [("type", .string(code))]
        switch self {
        case .ipv4MappedClient(let mapped):
            members.append(("address", .string(mapped.description)))
        case .specialUseAddress(let range):
            members.append(("prefix", .string(range.prefix)))
            members.append(("range", .string(range.name)))
            members.append(("reference", .string(range.reference)))
        case .duplicateNames(let names):
            members.append(("names", JSON.names(names)))
        case .invalidHostName(let name, let problem):
            members.append(("name", JSON.name(name)))
            members.append(("problem", .string(problem.code)))
        case .numericName(let name), .reverseTreeName(let name):
            members.append(("name", JSON.name(name)))
        case .genericName(let name, let signals):
            members.append(("name", JSON.name(name)))
            members.append(("signals", .array(signals.map { .string($0.code) })))
        case .multipleRegistrableDomains(let domains):
            members.append(("domains", JSON.names(domains)))
        case .aliasTarget(let name, let canonical):
            members.append(("name", JSON.name(name)))
            members.append(("canonical", JSON.name(canonical)))
        case .namesLeftOut(let names, let limit):
            members.append(("names", JSON.names(names)))
            members.append(("limit", .int(limit)))
        case .helo(let helo):
            switch helo {
            case .matchesConfirmedName(let name), .matchesUnconfirmedName(let name), .mismatch(let name),
                .notFullyQualified(let name):
                members.append(("name", JSON.name(name)))
            case .addressLiteral(let address, let matches):
                members.append(("address", .string(address.description)))
                members.append(("matches_client", .bool(matches)))
            case .invalidSyntax:
                break
            }
        }
        members.append(("description", .string(description)))
        return .object(members)
    }
}

extension QueryTrace {
    func jsonValue(relativeTo origin: ContinuousClock.Instant) -> JSON {
        var members: [(String, JSON)] = [
            ("name", JSON.name(name)),
            ("type", .string(type.description)),
            ("server", .string(server)),
            ("transport", .string(transport.rawValue)),
        ]
        switch outcome {
        case .response(let rcode, let count):
            members.append(("outcome", .string("response")))
            members.append(("rcode", .string(rcode.description)))
            members.append(("answers", .int(count)))
        case .truncated: members.append(("outcome", .string("truncated")))
        case .timeout: members.append(("outcome", .string("timeout")))
        case .abandoned: members.append(("outcome", .string("abandoned")))
        case .error(let message):
            members.append(("outcome", .string("error")))
            members.append(("error", .string(message)))
        }
        members.append(("start_ms", .number(Milliseconds.text(origin.duration(to: start)))))
        members.append(("duration_ms", .number(Milliseconds.text(duration))))
        return .object(members)
    }
}
