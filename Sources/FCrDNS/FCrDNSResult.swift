public import DNSWire

/// Everything one evaluation found: the verdict, the evidence for it, the
/// findings beside it, and the queries made.
///
/// One reference to an immutable box: a result is passed and returned through
/// the async frames of every evaluation in flight, and a struct of this size
/// (whose layout is not fixed at compile time, as it holds a
/// `ContinuousClock.Instant`) was allocated there several times over.
public struct FCrDNSResult: Hashable, Sendable {
    private let storage: Storage

    /// The evaluated client address (IPv4-mapped IPv6 turned into IPv4).
    public var ip: IPAddress { storage.fields.ip }
    /// The address as given to the evaluator.
    public var originalIP: IPAddress { storage.fields.originalIP }
    /// The HELO/EHLO argument as given, if any.
    public var helo: String? { storage.fields.helo }
    /// The verdict and its justification.
    public var verdict: FCrDNSVerdict { storage.fields.verdict }
    /// The reverse name whose PTR records were asked for.
    public var reverseName: Name { storage.fields.reverseName }
    /// How the PTR lookup ended (the names as received, duplicates included;
    /// an empty answer is reported as `.nodata`).
    public var ptrOutcome: LookupOutcome<[Name]> { storage.fields.ptrOutcome }
    /// The CNAME chain of the PTR lookup (RFC 2317 delegation), or empty.
    public var ptrCNAMEChain: [Name] { storage.fields.ptrCNAMEChain }
    /// The PTR names, deduplicated ignoring ASCII case, in answer order.
    public var ptrNames: [Name] { storage.fields.ptrNames }
    /// One entry per PTR name in ``ptrNames``, in the same order.
    public var evidence: [NameEvidence] { storage.fields.evidence }
    /// The names not looked up because of ``FCrDNSOptions/maxNames``.
    public var namesLeftOut: [Name] { storage.fields.namesLeftOut }
    /// What else was noticed; never part of the verdict.
    public var findings: [Finding] { storage.fields.findings }
    /// Every query the resolver reported, ordered by start time.
    public var trace: [QueryTrace] { storage.fields.trace }
    /// When the evaluation started.
    public var started: ContinuousClock.Instant { storage.fields.started }
    /// How long the evaluation took.
    public var duration: Duration { storage.fields.duration }
    /// The options it ran with.
    public var options: FCrDNSOptions { storage.fields.options }

    init(ip: IPAddress, originalIP: IPAddress, helo: String?, verdict: FCrDNSVerdict, reverseName: Name,
         ptrOutcome: LookupOutcome<[Name]>, ptrCNAMEChain: [Name], ptrNames: [Name], evidence: [NameEvidence],
         namesLeftOut: [Name], findings: [Finding], trace: [QueryTrace], started: ContinuousClock.Instant,
         duration: Duration, options: FCrDNSOptions) {
        storage = Storage(Fields(ip: ip, originalIP: originalIP, helo: helo, verdict: verdict, reverseName: reverseName,
                                 ptrOutcome: ptrOutcome, ptrCNAMEChain: ptrCNAMEChain, ptrNames: ptrNames,
                                 evidence: evidence, namesLeftOut: namesLeftOut, findings: findings, trace: trace,
                                 started: started, duration: duration, options: options))
    }

    public static func == (lhs: FCrDNSResult, rhs: FCrDNSResult) -> Bool {
        lhs.storage === rhs.storage || lhs.storage.fields == rhs.storage.fields
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(storage.fields)
    }

    /// The fields, in one immutable object.
    private final class Storage: Sendable {
        let fields: Fields

        init(_ fields: Fields) {
            self.fields = fields
        }
    }

    /// The fields as one value with synthesized equality and hashing.
    private struct Fields: Hashable, Sendable {
        let ip: IPAddress
        let originalIP: IPAddress
        let helo: String?
        let verdict: FCrDNSVerdict
        let reverseName: Name
        let ptrOutcome: LookupOutcome<[Name]>
        let ptrCNAMEChain: [Name]
        let ptrNames: [Name]
        let evidence: [NameEvidence]
        let namesLeftOut: [Name]
        let findings: [Finding]
        let trace: [QueryTrace]
        let started: ContinuousClock.Instant
        let duration: Duration
        let options: FCrDNSOptions
    }

    /// The RFC 8601 result word.
    public var result: IPRevResult { verdict.result }

    /// The command-line exit status: 0 pass, 1 fail, 2 permerror, 3 temperror.
    public var exitCode: Int32 { verdict.result.exitCode }

    /// The confirmed names (empty unless pass).
    public var confirmedNames: [ConfirmedName] { verdict.confirmedNames }

    /// The HELO finding, when a HELO argument was given.
    public var heloFinding: HELOFinding? {
        for case .helo(let helo) in findings { return helo }
        return nil
    }

    /// Why the verdict is what it is, in one line of ASCII: `no PTR record:
    /// NXDOMAIN`, `no PTR name resolves to 192.0.2.26`, …
    public var reason: String {
        var text: String
        switch verdict {
        case .pass(let names):
            text = names.map { displayName($0.name) }.joined(separator: ", ")
                + (names.count == 1 ? " resolves to " : " resolve to ") + ip.description
        case .fail:
            text = "no PTR name resolves to \(ip)"
        case .permerror(.ptrNXDOMAIN):
            text = "no PTR record: NXDOMAIN"
        case .permerror(.ptrNODATA):
            text = "no PTR record: NODATA"
        case .permerror(.noUsableNames(let discarded)):
            text = "no usable PTR name: \(discarded.count) invalid host name\(discarded.count == 1 ? "" : "s") discarded"
        case .temperror(.ptrLookup(let failure)):
            text = "PTR lookup: \(failure)"
        case .temperror(.forwardLookups(let names)):
            let first = names[0]
            text = "\(first.type) lookup of \(displayName(first.name)): \(first.failure)"
            if names.count > 1 { text += ", and \(names.count - 1) more name\(names.count == 2 ? "" : "s")" }
        }
        if !namesLeftOut.isEmpty, verdict.result != .pass {
            let count = namesLeftOut.count
            text += "; \(count) PTR name\(count == 1 ? "" : "s") over the limit of \(max(1, options.maxNames)) not checked"
        }
        return text
    }

    /// The RFC 8601 `iprev` result fragment:
    /// `iprev=pass (mail.example.test) policy.iprev=192.0.2.25`, or with the
    /// reason as the comment when not pass.
    ///
    /// Names appear in presentation form; the comment is an RFC 5322
    /// comment (`(`, `)` and `\` quoted with `\`, control characters
    /// dropped). An IPv6 address is a quoted-string, since `:` is not allowed
    /// in an RFC 2045 token.
    public var authenticationResults: String {
        let comment: String
        if case .pass(let names) = verdict {
            comment = names.map { displayName($0.name) }.joined(separator: ", ")
        } else {
            comment = reason
        }
        let address = ip.isIPv4 ? ip.description : "\"\(ip)\""
        return "iprev=\(verdict.result.rawValue) (\(rfc5322CommentText(comment))) policy.iprev=\(address)"
    }

    /// The whole Authentication-Results header value,
    /// `mx.example.net; iprev=…`, when ``FCrDNSOptions/authservID`` is set.
    public var authenticationResultsHeaderValue: String? {
        guard let id = options.authservID else { return nil }
        return "\(id); \(authenticationResults)"
    }

    /// The reply a receiver that enforces FCrDNS would give: `550 5.7.25`
    /// for fail and permerror, `450 4.7.25` for temperror, nil for pass
    /// (RFC 7372 §3.3 defines X.7.25, "Reverse DNS validation failed").
    public var smtpReply: SMTPReply? {
        switch verdict.result {
        case .pass:
            return nil
        case .fail, .permerror:
            return SMTPReply(code: 550, enhancedCode: "5.7.25", text: replyText(options.permanentReplyText))
        case .temperror:
            return SMTPReply(code: 450, enhancedCode: "4.7.25", text: replyText(options.temporaryReplyText))
        }
    }

    /// The template with every `{ip}` replaced by the address, as one line
    /// of printable ASCII (no CR/LF smuggling into the reply). Scanned as
    /// octets: `String.replacing` costs more than the whole rest of a JSON
    /// result.
    private func replyText(_ template: String) -> String {
        let placeholder: [UInt8] = Array("{ip}".utf8)
        let address = Array(ip.description.utf8)
        let octets = Array(template.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(octets.count + address.count)
        var i = 0
        while i < octets.count {
            if octets[i] == placeholder[0], octets[i...].starts(with: placeholder) {
                out.append(contentsOf: address)
                i += placeholder.count
                continue
            }
            let byte = octets[i]
            out.append(byte < 0x20 || byte >= 0x7F ? UInt8(ascii: " ") : byte)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A short human-readable report. The first line is the verdict word,
    /// the address, and the confirmed names (pass) or the names that failed,
    /// then the reason in parentheses; the following lines, indented, give
    /// the PTR answer, per-name evidence and findings.
    public var text: String {
        var first = "\(verdict.result.rawValue) \(ip)"
        let names: [Name]
        switch verdict {
        case .pass(let confirmed): names = confirmed.map(\.name)
        case .fail(let checked): names = checked
        case .permerror(.noUsableNames(let discarded)): names = discarded
        case .permerror: names = []
        case .temperror(.forwardLookups(let failed)): names = failed.map(\.name)
        case .temperror: names = []
        }
        for name in names { first += " " + displayName(name) }
        if verdict.result != .pass { first += " (\(reason))" }
        var lines = [first]
        var ptrLine = "  PTR \(reverseName): "
        switch ptrOutcome {
        case .found(let received): ptrLine += received.map(\.description).joined(separator: " ")
        case .nxdomain: ptrLine += "NXDOMAIN"
        case .nodata: ptrLine += "NODATA"
        case .transient(let failure): ptrLine += "\(failure)"
        }
        if !ptrCNAMEChain.isEmpty { ptrLine += " (via " + ptrCNAMEChain.map(\.description).joined(separator: " -> ") + ")" }
        lines.append(ptrLine)
        for item in evidence {
            var line = "  \(item.name) \(item.status.word)"
            switch item.status {
            case .transient(let failure): line += " (\(failure))"
            case .notChecked: line += " (over the limit of \(max(1, options.maxNames)))"
            case .discarded: line += " (\(item.problem?.description ?? "invalid"))"
            default: break
            }
            for lookup in item.lookups {
                line += "; \(lookup.type) "
                switch lookup.outcome {
                case .found(let addresses): line += addresses.map(\.description).joined(separator: " ")
                case .nxdomain: line += "NXDOMAIN"
                case .nodata: line += "NODATA"
                case .transient(let failure): line += "\(failure)"
                }
                if !lookup.cnameChain.isEmpty {
                    line += " via " + lookup.cnameChain.map(\.description).joined(separator: " -> ")
                }
            }
            lines.append(line)
        }
        for finding in findings { lines.append("  finding: \(finding)") }
        return lines.joined(separator: "\n")
    }
}

/// A suggested SMTP reply (RFC 5321 §4.2, RFC 3463 enhanced status code).
public struct SMTPReply: Hashable, Sendable, CustomStringConvertible {
    /// 550 or 450.
    public let code: Int
    /// `5.7.25` or `4.7.25`.
    public let enhancedCode: String
    /// The text after the codes: one line of printable ASCII.
    public let text: String

    /// `550 5.7.25 text`.
    public var description: String { "\(code) \(enhancedCode) \(text)" }
}

/// The presentation form without the trailing dot (`.` for the root).
func displayName(_ name: Name) -> String {
    let text = name.description
    return name.isRoot ? text : String(text.dropLast())
}

/// Makes `text` safe as the inside of an RFC 5322 comment: `(`, `)` and `\`
/// become quoted-pairs, control characters and non-ASCII are dropped.
func rfc5322CommentText(_ text: String) -> String {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(text.utf8.count)
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "\\"):
            bytes.append(UInt8(ascii: "\\"))
            bytes.append(byte)
        case 0x20...0x7E:
            bytes.append(byte)
        default:
            continue
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}
