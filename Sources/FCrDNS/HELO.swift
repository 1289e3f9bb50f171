public import DNSWire

/// The HELO/EHLO argument as the SMTP client sent it, read without trusting
/// it.
public enum HELOArgument: Hashable, Sendable {
    /// A domain name (parsed from presentation text, trailing dot optional).
    case name(Name)
    /// An address literal: `[192.0.2.1]` or `[IPv6:2001:db8::1]`
    /// (RFC 5321 §4.1.3; the `IPv6:` tag in any case).
    case addressLiteral(IPAddress)
    /// Neither: empty, a bad escape or empty label, a malformed literal.
    case invalid

    /// Reads the text of a HELO/EHLO argument.
    ///
    /// A name is parsed with ``Name/init(parsing:)``: ASCII case is kept
    /// (comparisons fold it), a trailing dot is accepted. Leading or trailing
    /// white space is not removed: it makes the argument invalid.
    public init(_ text: String) {
        let utf8 = Array(text.utf8)
        if utf8.first == UInt8(ascii: "[") {
            guard utf8.count > 2, utf8.last == UInt8(ascii: "]") else {
                self = .invalid
                return
            }
            let inner = utf8[1..<(utf8.count - 1)]
            let tag = Array("ipv6:".utf8)
            if inner.count > tag.count,
               inner.prefix(tag.count).map({ $0 | 0x20 }).elementsEqual(tag.map { $0 | 0x20 }) {
                let rest = String(decoding: inner.dropFirst(tag.count), as: UTF8.self)
                if let v6 = IPv6Address(rest) {
                    self = .addressLiteral(.v6(v6))
                    return
                }
                self = .invalid
                return
            }
            if let v4 = IPv4Address(String(decoding: inner, as: UTF8.self)) {
                self = .addressLiteral(.v4(v4))
                return
            }
            self = .invalid
            return
        }
        guard let name = try? Name(parsing: text), !name.isRoot else {
            self = .invalid
            return
        }
        self = .name(name)
    }
}

enum HELOCheck {
    static func finding(helo: String, client: IPAddress, confirmed: [ConfirmedName], ptrNames: [Name])
        -> HELOFinding
    {
        switch HELOArgument(helo) {
        case .invalid:
            return .invalidSyntax
        case .addressLiteral(let address):
            return .addressLiteral(address, matchesClient: address.normalized == client.normalized)
        case .name(let name):
            // Octets outside LDH/underscore, a bare IPv4 address without
            // brackets (numeric), a reverse name: not a host name.
            if HostNameCheck.problem(of: name) != nil { return .invalidSyntax }
            if name.labelCount < 2 { return .notFullyQualified(name) }
            if confirmed.contains(where: { $0.name == name }) { return .matchesConfirmedName(name) }
            if ptrNames.contains(name) { return .matchesUnconfirmedName(name) }
            return .mismatch(name)
        }
    }
}
