/// The data of a resource record, typed for the types a mail-server resolver
/// needs and kept as raw octets for every other type (RFC 3597).
public enum RData: Hashable, Sendable {
    /// An IPv4 address (type A).
    case a(IPv4Address)
    /// An IPv6 address (type AAAA).
    case aaaa(IPv6Address)
    /// An authoritative name server (type NS).
    case ns(Name)
    /// The canonical name of an alias (type CNAME).
    case cname(Name)
    /// A domain name pointer (type PTR).
    case ptr(Name)
    /// A mail exchange (type MX).
    case mx(MXData)
    /// One or more character-strings (type TXT), each at most 255 octets.
    case txt([[UInt8]])
    /// The start of a zone of authority (type SOA).
    ///
    /// Boxed (`indirect`): its two names and five numbers (84 bytes) would
    /// otherwise set the size of every `RData`, and so of every record in a
    /// message's arrays (128 bytes a record instead of 80).
    indirect case soa(SOAData)
    /// A service location (type SRV, RFC 2782).
    case srv(SRVData)
    /// The octets of any other type, kept byte for byte (RFC 3597).
    ///
    /// For the older types whose names RFC 3597 §4 lets a sender compress
    /// (MD, MF, MB, MG, MR, MINFO, RP, AFSDB, RT, PX, KX), the decoder expands
    /// those names first, so the octets stay meaningful outside the message.
    case unknown([UInt8])
}

/// The RDATA of an MX record (RFC 1035 §3.3.9).
public struct MXData: Hashable, Sendable {
    /// Lower is preferred.
    public var preference: UInt16
    /// The host that accepts mail.
    public var exchange: Name

    /// Creates MX data.
    public init(preference: UInt16, exchange: Name) {
        self.preference = preference
        self.exchange = exchange
    }
}

/// The RDATA of an SOA record (RFC 1035 §3.3.13).
public struct SOAData: Hashable, Sendable {
    /// The primary name server of the zone.
    public var mname: Name
    /// The mailbox of the person responsible, as a name.
    public var rname: Name
    /// The zone's version number.
    public var serial: UInt32
    /// Seconds between secondary refreshes.
    public var refresh: UInt32
    /// Seconds between retries of a failed refresh.
    public var retry: UInt32
    /// Seconds after which a secondary stops answering.
    public var expire: UInt32
    /// The negative-caching TTL (RFC 2308 §4).
    public var minimum: UInt32

    /// Creates SOA data.
    public init(mname: Name, rname: Name, serial: UInt32, refresh: UInt32, retry: UInt32, expire: UInt32, minimum: UInt32) {
        self.mname = mname
        self.rname = rname
        self.serial = serial
        self.refresh = refresh
        self.retry = retry
        self.expire = expire
        self.minimum = minimum
    }
}

/// The RDATA of an SRV record (RFC 2782).
public struct SRVData: Hashable, Sendable {
    /// Lower is tried first.
    public var priority: UInt16
    /// Relative weight among records of equal priority.
    public var weight: UInt16
    /// The service's port.
    public var port: UInt16
    /// The host providing the service.
    public var target: Name

    /// Creates SRV data.
    public init(priority: UInt16, weight: UInt16, port: UInt16, target: Name) {
        self.priority = priority
        self.weight = weight
        self.port = port
        self.target = target
    }
}

extension RData {
    /// The record type this data belongs to, or nil for ``unknown(_:)``.
    public var impliedType: RecordType? {
        switch self {
        case .a: return .a
        case .aaaa: return .aaaa
        case .ns: return .ns
        case .cname: return .cname
        case .ptr: return .ptr
        case .mx: return .mx
        case .txt: return .txt
        case .soa: return .soa
        case .srv: return .srv
        case .unknown: return nil
        }
    }
}
