extension RData {
    /// The RDATA in master-file presentation format (RFC 1035 §5.1), as
    /// `dig` prints it: `192.0.2.1`, `10 mail.example.test.`,
    /// `"v=spf1 -all"`, and for every type without a typed model the RFC 3597
    /// generic form `\# 4 C0000201`.
    public var presentation: String {
        switch self {
        case .a(let address): return address.description
        case .aaaa(let address): return address.description
        case .ns(let name), .cname(let name), .ptr(let name): return name.description
        case .mx(let mx): return "\(mx.preference) \(mx.exchange)"
        case .soa(let soa):
            return "\(soa.mname) \(soa.rname) \(soa.serial) \(soa.refresh) \(soa.retry) \(soa.expire) \(soa.minimum)"
        case .srv(let srv): return "\(srv.priority) \(srv.weight) \(srv.port) \(srv.target)"
        case .txt(let strings): return strings.map(RData.quoted).joined(separator: " ")
        case .unknown(let octets): return RData.genericPresentation(octets)
        }
    }

    /// The RFC 3597 §5 generic form: `\# length hex` (`\# 0` when empty).
    public static func genericPresentation(_ octets: [UInt8]) -> String {
        octets.isEmpty ? "\\# 0" : "\\# \(octets.count) \(hex(octets, uppercase: true))"
    }

    /// A character-string in quotes, with `"` and `\` escaped and octets
    /// outside 0x20…0x7E written as `\DDD`, as `dig` does.
    public static func quoted(_ string: [UInt8]) -> String {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        out.reserveCapacity(string.count + 2)
        for byte in string {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                out.append(UInt8(ascii: "\\"))
                out.append(byte)
            case 0x20...0x7E:
                out.append(byte)
            default:
                Name.appendDecimalEscape(byte, to: &out)
            }
        }
        out.append(UInt8(ascii: "\""))
        return String(decoding: out, as: UTF8.self)
    }
}

/// Hexadecimal text for octets, two digits per octet, no separators.
public func hex<Bytes: Sequence>(_ octets: Bytes, uppercase: Bool = false) -> String where Bytes.Element == UInt8 {
    let digits: [UInt8] = Array((uppercase ? "0123456789ABCDEF" : "0123456789abcdef").utf8)
    var out: [UInt8] = []
    out.reserveCapacity(octets.underestimatedCount * 2)
    for byte in octets {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: out, as: UTF8.self)
}

extension ResourceRecord: CustomStringConvertible {
    /// The record as a master-file line, as `dig` prints it:
    /// `mail.example.test. 300 IN A 192.0.2.25`.
    public var description: String {
        "\(name) \(ttl) \(dnsClass) \(type) \(data.presentation)"
    }
}

extension Question: CustomStringConvertible {
    /// `name class type`, as `dig`'s question section prints it.
    public var description: String { "\(name) \(dnsClass) \(type)" }
}
