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
        var out = ""
        write(to: &out)
        return out
    }

    func write(to out: inout String) {
        switch self {
        case .string(let s): JSON.writeString(s, to: &out)
        case .int(let n): out += String(n)
        case .number(let text): out += text
        case .bool(let b): out += b ? "true" : "false"
        case .null: out += "null"
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out += "," }
                JSON.writeString(key, to: &out)
                out += ":"
                value.write(to: &out)
            }
            out += "}"
        }
    }

    /// Writes a JSON string (RFC 8259 §7): `"` and `\` escaped, control
    /// characters as `\n`, `\t`, … or `\u00XX`, and U+2028/U+2029 escaped
    /// too so the output is also safe inside JavaScript.
    static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar.value {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x08: out += "\\b"
            case 0x0C: out += "\\f"
            case 0x00..<0x20, 0x7F, 0x2028, 0x2029:
                out += "\\u"
                let hex = String(scalar.value, radix: 16)
                out += String(repeating: "0", count: 4 - hex.count) + hex
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
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
