/// A resource record TYPE (RFC 1035 §3.2.2 and the IANA registry).
///
/// An open set: every 16-bit value decodes, and values without a mnemonic
/// print as `TYPE65280` (RFC 3597 §5).
public struct RecordType: RawRepresentable, Hashable, Sendable, Comparable {
    /// The 16-bit code.
    public var rawValue: UInt16

    /// Wraps any 16-bit code.
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    /// Wraps any 16-bit code.
    @inlinable public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    /// IPv4 host address (RFC 1035).
    public static let a = RecordType(1)
    /// Authoritative name server (RFC 1035).
    public static let ns = RecordType(2)
    /// Mail destination, obsolete (RFC 1035).
    public static let md = RecordType(3)
    /// Mail forwarder, obsolete (RFC 1035).
    public static let mf = RecordType(4)
    /// Canonical name for an alias (RFC 1035).
    public static let cname = RecordType(5)
    /// Start of a zone of authority (RFC 1035).
    public static let soa = RecordType(6)
    /// Mailbox domain name (RFC 1035).
    public static let mb = RecordType(7)
    /// Mail group member (RFC 1035).
    public static let mg = RecordType(8)
    /// Mail rename domain name (RFC 1035).
    public static let mr = RecordType(9)
    /// Null record (RFC 1035).
    public static let null = RecordType(10)
    /// Well-known service description (RFC 1035).
    public static let wks = RecordType(11)
    /// Domain name pointer (RFC 1035).
    public static let ptr = RecordType(12)
    /// Host information (RFC 1035).
    public static let hinfo = RecordType(13)
    /// Mailbox or mail list information (RFC 1035).
    public static let minfo = RecordType(14)
    /// Mail exchange (RFC 1035).
    public static let mx = RecordType(15)
    /// Text strings (RFC 1035).
    public static let txt = RecordType(16)
    /// Responsible person (RFC 1183).
    public static let rp = RecordType(17)
    /// AFS database location (RFC 1183).
    public static let afsdb = RecordType(18)
    /// Route through (RFC 1183).
    public static let rt = RecordType(21)
    /// Signature, obsolete (RFC 2535).
    public static let sig = RecordType(24)
    /// Key, obsolete for DNSSEC (RFC 2535).
    public static let key = RecordType(25)
    /// X.400 mail mapping (RFC 2163).
    public static let px = RecordType(26)
    /// IPv6 host address (RFC 3596).
    public static let aaaa = RecordType(28)
    /// Location (RFC 1876).
    public static let loc = RecordType(29)
    /// Next domain, obsolete (RFC 2535).
    public static let nxt = RecordType(30)
    /// Server selection (RFC 2782).
    public static let srv = RecordType(33)
    /// Naming authority pointer (RFC 3403).
    public static let naptr = RecordType(35)
    /// Key exchanger (RFC 2230).
    public static let kx = RecordType(36)
    /// Certificate (RFC 4398).
    public static let cert = RecordType(37)
    /// Delegation name (RFC 6672).
    public static let dname = RecordType(39)
    /// EDNS(0) pseudo-record (RFC 6891).
    public static let opt = RecordType(41)
    /// Delegation signer (RFC 4034).
    public static let ds = RecordType(43)
    /// SSH key fingerprint (RFC 4255).
    public static let sshfp = RecordType(44)
    /// DNSSEC signature (RFC 4034).
    public static let rrsig = RecordType(46)
    /// Next secure (RFC 4034).
    public static let nsec = RecordType(47)
    /// DNS key (RFC 4034).
    public static let dnskey = RecordType(48)
    /// Hashed next secure (RFC 5155).
    public static let nsec3 = RecordType(50)
    /// NSEC3 parameters (RFC 5155).
    public static let nsec3param = RecordType(51)
    /// TLSA certificate association (RFC 6698).
    public static let tlsa = RecordType(52)
    /// Service binding (RFC 9460).
    public static let svcb = RecordType(64)
    /// HTTPS service binding (RFC 9460).
    public static let https = RecordType(65)
    /// Sender policy framework, obsolete (RFC 7208).
    public static let spf = RecordType(99)
    /// Transaction key (RFC 2930).
    public static let tkey = RecordType(249)
    /// Transaction signature (RFC 8945).
    public static let tsig = RecordType(250)
    /// Incremental zone transfer (RFC 1995).
    public static let ixfr = RecordType(251)
    /// Zone transfer (RFC 1035).
    public static let axfr = RecordType(252)
    /// Every record type (RFC 8482 limits its use).
    public static let any = RecordType(255)
    /// URI (RFC 7553).
    public static let uri = RecordType(256)
    /// Certification authority authorization (RFC 8659).
    public static let caa = RecordType(257)

    /// Mnemonics for the types this library names.
    static let mnemonics: [UInt16: String] = [
        1: "A", 2: "NS", 3: "MD", 4: "MF", 5: "CNAME", 6: "SOA", 7: "MB", 8: "MG", 9: "MR", 10: "NULL",
        11: "WKS", 12: "PTR", 13: "HINFO", 14: "MINFO", 15: "MX", 16: "TXT", 17: "RP", 18: "AFSDB",
        21: "RT", 24: "SIG", 25: "KEY", 26: "PX", 28: "AAAA", 29: "LOC", 30: "NXT", 33: "SRV",
        35: "NAPTR", 36: "KX", 37: "CERT", 39: "DNAME", 41: "OPT", 43: "DS", 44: "SSHFP", 46: "RRSIG",
        47: "NSEC", 48: "DNSKEY", 50: "NSEC3", 51: "NSEC3PARAM", 52: "TLSA", 64: "SVCB", 65: "HTTPS",
        99: "SPF", 249: "TKEY", 250: "TSIG", 251: "IXFR", 252: "AXFR", 255: "ANY", 256: "URI", 257: "CAA",
    ]

    /// Parses a mnemonic (`PTR`, case-insensitive) or the RFC 3597 form
    /// `TYPE65280`; nil for anything else.
    public init?(mnemonic text: some StringProtocol) {
        let upper = String(text).uppercased()
        if let entry = RecordType.mnemonics.first(where: { $0.value == upper }) {
            self.init(entry.key)
            return
        }
        guard upper.hasPrefix("TYPE"), let value = UInt16(upper.dropFirst(4)) else { return nil }
        self.init(value)
    }

    /// Orders by numeric code.
    public static func < (lhs: RecordType, rhs: RecordType) -> Bool { lhs.rawValue < rhs.rawValue }
}

extension RecordType: CustomStringConvertible {
    /// The mnemonic (`AAAA`), or `TYPE` and the decimal code (`TYPE65280`).
    public var description: String {
        RecordType.mnemonics[rawValue] ?? "TYPE\(rawValue)"
    }
}

/// A resource record CLASS (RFC 1035 §3.2.4). Open like ``RecordType``;
/// values without a mnemonic print as `CLASS4` … (RFC 3597 §5).
public struct DNSClass: RawRepresentable, Hashable, Sendable {
    /// The 16-bit code.
    public var rawValue: UInt16
    /// Wraps any 16-bit code.
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    /// Wraps any 16-bit code.
    @inlinable public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    /// The Internet (RFC 1035).
    public static let `in` = DNSClass(1)
    /// Chaos (RFC 1035).
    public static let chaos = DNSClass(3)
    /// Hesiod (RFC 1035).
    public static let hesiod = DNSClass(4)
    /// NONE, for dynamic update (RFC 2136).
    public static let none = DNSClass(254)
    /// ANY (RFC 1035).
    public static let any = DNSClass(255)

    /// Parses `IN`, `CH`, `HS`, `NONE`, `ANY` (any case) or `CLASS4`.
    public init?(mnemonic text: some StringProtocol) {
        switch String(text).uppercased() {
        case "IN": self = .in
        case "CH": self = .chaos
        case "HS": self = .hesiod
        case "NONE": self = .none
        case "ANY": self = .any
        case let other:
            guard other.hasPrefix("CLASS"), let value = UInt16(other.dropFirst(5)) else { return nil }
            self.init(value)
        }
    }
}

extension DNSClass: CustomStringConvertible {
    /// `IN`, `CH`, `HS`, `NONE`, `ANY`, or `CLASS` and the decimal code.
    public var description: String {
        switch rawValue {
        case 1: return "IN"
        case 3: return "CH"
        case 4: return "HS"
        case 254: return "NONE"
        case 255: return "ANY"
        default: return "CLASS\(rawValue)"
        }
    }
}

/// The header's OPCODE (4 bits; RFC 1035 §4.1.1, RFC 1996, RFC 2136).
public struct Opcode: RawRepresentable, Hashable, Sendable {
    /// The code, 0…15.
    public var rawValue: UInt8
    /// Wraps a code; only the low four bits are kept.
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue & 0x0F }
    /// Wraps a code; only the low four bits are kept.
    @inlinable public init(_ rawValue: UInt8) { self.init(rawValue: rawValue) }

    /// A standard query.
    public static let query = Opcode(0)
    /// An inverse query, obsolete (RFC 3425).
    public static let iquery = Opcode(1)
    /// A server status request.
    public static let status = Opcode(2)
    /// A zone change notification (RFC 1996).
    public static let notify = Opcode(4)
    /// A dynamic update (RFC 2136).
    public static let update = Opcode(5)
    /// DNS stateful operations (RFC 8490).
    public static let dso = Opcode(6)
}

extension Opcode: CustomStringConvertible {
    /// `QUERY`, `IQUERY`, `STATUS`, `NOTIFY`, `UPDATE`, `DSO`, or `OPCODE9`.
    public var description: String {
        switch rawValue {
        case 0: return "QUERY"
        case 1: return "IQUERY"
        case 2: return "STATUS"
        case 4: return "NOTIFY"
        case 5: return "UPDATE"
        case 6: return "DSO"
        default: return "OPCODE\(rawValue)"
        }
    }
}

/// A response code, including the extended bits carried in EDNS
/// (12 bits in all; RFC 1035 §4.1.1, RFC 6891 §6.1.3).
public struct ResponseCode: RawRepresentable, Hashable, Sendable {
    /// The full code, 0…4095.
    public var rawValue: UInt16
    /// Wraps a code; only the low twelve bits are kept.
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue & 0x0FFF }
    /// Wraps a code; only the low twelve bits are kept.
    @inlinable public init(_ rawValue: UInt16) { self.init(rawValue: rawValue) }

    /// No error.
    public static let noError = ResponseCode(0)
    /// Format error: the server could not interpret the query.
    public static let formErr = ResponseCode(1)
    /// Server failure.
    public static let servFail = ResponseCode(2)
    /// The name does not exist.
    public static let nxDomain = ResponseCode(3)
    /// Not implemented.
    public static let notImp = ResponseCode(4)
    /// Refused.
    public static let refused = ResponseCode(5)
    /// A name exists when it should not (RFC 2136).
    public static let yxDomain = ResponseCode(6)
    /// An RRset exists when it should not (RFC 2136).
    public static let yxRRSet = ResponseCode(7)
    /// An RRset that should exist does not (RFC 2136).
    public static let nxRRSet = ResponseCode(8)
    /// Not authoritative (RFC 2136) / not authorized (RFC 8945).
    public static let notAuth = ResponseCode(9)
    /// Name not in zone (RFC 2136).
    public static let notZone = ResponseCode(10)
    /// Bad OPT version (RFC 6891).
    public static let badVers = ResponseCode(16)
    /// Bad or missing server cookie (RFC 7873).
    public static let badCookie = ResponseCode(23)

    /// The part carried in the header's four RCODE bits.
    @inlinable public var headerBits: UInt8 { UInt8(rawValue & 0x0F) }
    /// The upper eight bits, carried in the OPT record's TTL.
    @inlinable public var extendedBits: UInt8 { UInt8(rawValue >> 4) }
}

extension ResponseCode: CustomStringConvertible {
    /// `NOERROR`, `NXDOMAIN`, … as `dig` prints them, or `RCODE4000`.
    public var description: String {
        switch rawValue {
        case 0: return "NOERROR"
        case 1: return "FORMERR"
        case 2: return "SERVFAIL"
        case 3: return "NXDOMAIN"
        case 4: return "NOTIMP"
        case 5: return "REFUSED"
        case 6: return "YXDOMAIN"
        case 7: return "YXRRSET"
        case 8: return "NXRRSET"
        case 9: return "NOTAUTH"
        case 10: return "NOTZONE"
        case 16: return "BADVERS"
        case 23: return "BADCOOKIE"
        default: return "RCODE\(rawValue)"
        }
    }
}
