import DNSWire

/// The `fcrdns decode` renderings of a message: one JSON object per line for
/// scripts, and a `dig`-like view for people.
enum MessageRendering {
    /// A resource record as `{"name","type","class","ttl","rdata"}`.
    static func json(_ record: ResourceRecord) -> String {
        var object = JSONObject()
        object.set("name", record.name.description)
        object.set("type", Int(record.type.rawValue))
        object.set("class", Int(record.dnsClass.rawValue))
        object.set("ttl", Int(record.ttl))
        object.set("rdata", record.data.presentation)
        return object.text
    }

    /// The whole message in the shape documented in the README.
    static func json(_ message: Message) -> String {
        let h = message.header
        var object = JSONObject()
        object.set("id", Int(h.id))
        object.set("qr", h.isResponse)
        object.set("opcode", Int(h.opcode.rawValue))
        object.set("aa", h.isAuthoritative)
        object.set("tc", h.isTruncated)
        object.set("rd", h.recursionDesired)
        object.set("ra", h.recursionAvailable)
        object.set("ad", h.authenticData)
        object.set("cd", h.checkingDisabled)
        object.set("rcode", Int(message.rcode.rawValue))
        object.setRaw("question", JSON.array(message.questions.map { q in
            var o = JSONObject()
            o.set("name", q.name.description)
            o.set("type", Int(q.type.rawValue))
            o.set("class", Int(q.dnsClass.rawValue))
            return o.text
        }))
        object.setRaw("answer", JSON.array(message.answers.map(json)))
        object.setRaw("authority", JSON.array(message.authorities.map(json)))
        object.setRaw("additional", JSON.array(message.additionals.map(json)))
        if let edns = message.edns {
            var o = JSONObject()
            o.set("udp_size", Int(edns.udpPayloadSize))
            o.set("version", Int(edns.version))
            o.set("do", edns.dnssecOK)
            o.setRaw("options", JSON.array(edns.options.map { option in
                var oo = JSONObject()
                oo.set("code", Int(option.code))
                oo.set("data", hex(option.data))
                return oo.text
            }))
            object.setRaw("edns", o.text)
        } else {
            object.setNull("edns")
        }
        return object.text
    }

    /// The error line for a message that does not decode.
    static func json(_ error: DNSDecodeError) -> String {
        var object = JSONObject()
        object.set("error", error.caseName)
        object.set("offset", error.offset)
        return object.text
    }

    /// A `dig`-like view: header, flags, EDNS, then each section.
    static func text(_ message: Message) -> String {
        let h = message.header
        var lines: [String] = []
        lines.append(";; ->>HEADER<<- opcode: \(h.opcode), status: \(message.rcode), id: \(h.id)")
        var flags: [String] = []
        if h.isResponse { flags.append("qr") }
        if h.isAuthoritative { flags.append("aa") }
        if h.isTruncated { flags.append("tc") }
        if h.recursionDesired { flags.append("rd") }
        if h.recursionAvailable { flags.append("ra") }
        if h.z { flags.append("z") }
        if h.authenticData { flags.append("ad") }
        if h.checkingDisabled { flags.append("cd") }
        lines.append(";; flags: \(flags.joined(separator: " ")); QUERY: \(message.questions.count), "
            + "ANSWER: \(message.answers.count), AUTHORITY: \(message.authorities.count), "
            + "ADDITIONAL: \(message.additionals.count + (message.edns == nil ? 0 : 1))")
        if let edns = message.edns {
            lines.append("")
            lines.append(";; OPT PSEUDOSECTION:")
            lines.append("; EDNS: version: \(edns.version), flags:\(edns.dnssecOK ? " do" : ""); udp: \(edns.udpPayloadSize)")
            for option in edns.options {
                lines.append("; \(optionName(option.code)): \(hex(option.data, uppercase: true))")
            }
        }
        lines.append("")
        lines.append(";; QUESTION SECTION:")
        for q in message.questions { lines.append(";\(q.name)\t\t\(q.dnsClass)\t\(q.type)") }
        for (title, records) in [("ANSWER", message.answers), ("AUTHORITY", message.authorities),
                                 ("ADDITIONAL", message.additionals)] where !records.isEmpty {
            lines.append("")
            lines.append(";; \(title) SECTION:")
            for r in records { lines.append(recordLine(r)) }
        }
        return lines.joined(separator: "\n")
    }

    /// A record as `dig` prints it in a section: tab-separated fields.
    static func recordLine(_ r: ResourceRecord) -> String {
        "\(r.name)\t\(r.ttl)\t\(r.dnsClass)\t\(r.type)\t\(r.data.presentation)"
    }

    static func optionName(_ code: UInt16) -> String {
        switch code {
        case 3: return "NSID"
        case 8: return "CLIENT-SUBNET"
        case 10: return "COOKIE"
        case 11: return "TCP-KEEPALIVE"
        case 12: return "PADDING"
        case 15: return "EDE"
        default: return "OPT=\(code)"
        }
    }
}
