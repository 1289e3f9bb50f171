/// The fixed part of a DNS message header (RFC 1035 §4.1.1), without the
/// section counts, which the encoder derives from the sections.
///
/// ```
///                                 1  1  1  1  1  1
///   0  1  2  3  4  5  6  7  8  9  0  1  2  3  4  5
/// +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
/// |                      ID                       |
/// +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
/// |QR|   Opcode  |AA|TC|RD|RA| Z|AD|CD|   RCODE   |
/// +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
/// ```
///
/// The flags word is stored exactly as on the wire (beside the ID, in one
/// `UInt32`), so an unusual combination (the Z bit set, say) round-trips
/// unchanged.
public struct Header: Hashable, Sendable {
    /// The two words in one: the ID high, the flags low.
    ///
    /// One stored word rather than two is for the optimizer (Swift 6.3):
    /// with two `UInt16`s here, `Message`'s initializer did not keep the
    /// message in registers and copied it on the way out, a retain and a
    /// release of each array in it — about 330 instructions in every
    /// decode (`Benchmarks/instructions.sh`).
    @usableFromInline var _words: UInt32

    /// The query identifier, copied from query to response.
    @inlinable public var id: UInt16 {
        get { UInt16(truncatingIfNeeded: _words >> 16) }
        set { _words = UInt32(newValue) << 16 | _words & 0xFFFF }
    }
    /// The second 16-bit word of the header: every flag, opcode and RCODE bit.
    @inlinable public var flags: UInt16 {
        get { UInt16(truncatingIfNeeded: _words) }
        set { _words = _words & 0xFFFF_0000 | UInt32(newValue) }
    }

    /// Creates a header from its two words.
    @inlinable
    public init(id: UInt16 = 0, flags: UInt16 = 0) {
        _words = UInt32(id) << 16 | UInt32(flags)
    }

    @inlinable
    func bit(_ mask: UInt16) -> Bool { flags & mask != 0 }

    @inlinable
    mutating func set(_ mask: UInt16, _ value: Bool) {
        if value { flags |= mask } else { flags &= ~mask }
    }

    /// QR: the message is a response.
    @inlinable public var isResponse: Bool {
        get { bit(0x8000) }
        set { set(0x8000, newValue) }
    }

    /// The kind of query.
    @inlinable public var opcode: Opcode {
        get { Opcode(UInt8(truncatingIfNeeded: flags >> 11)) }
        set { flags = flags & ~0x7800 | UInt16(newValue.rawValue) << 11 }
    }

    /// AA: the answer is authoritative.
    @inlinable public var isAuthoritative: Bool {
        get { bit(0x0400) }
        set { set(0x0400, newValue) }
    }

    /// TC: the message was truncated to fit the transport.
    @inlinable public var isTruncated: Bool {
        get { bit(0x0200) }
        set { set(0x0200, newValue) }
    }

    /// RD: recursion desired.
    @inlinable public var recursionDesired: Bool {
        get { bit(0x0100) }
        set { set(0x0100, newValue) }
    }

    /// RA: recursion available.
    @inlinable public var recursionAvailable: Bool {
        get { bit(0x0080) }
        set { set(0x0080, newValue) }
    }

    /// Z: the reserved bit, which must be zero but is kept as received.
    @inlinable public var z: Bool {
        get { bit(0x0040) }
        set { set(0x0040, newValue) }
    }

    /// AD: authentic data (RFC 4035 §3.2.3).
    @inlinable public var authenticData: Bool {
        get { bit(0x0020) }
        set { set(0x0020, newValue) }
    }

    /// CD: checking disabled (RFC 4035 §3.2.2).
    @inlinable public var checkingDisabled: Bool {
        get { bit(0x0010) }
        set { set(0x0010, newValue) }
    }

    /// The four RCODE bits of the header alone. The full response code, with
    /// the bits EDNS adds, is ``Message/rcode``.
    @inlinable public var rcodeBits: UInt8 {
        get { UInt8(flags & 0x000F) }
        set { flags = flags & ~0x000F | UInt16(newValue & 0x0F) }
    }
}

/// One entry of the question section (RFC 1035 §4.1.2).
public struct Question: Hashable, Sendable {
    /// The name asked about.
    public var name: Name
    /// The type asked for.
    public var type: RecordType
    /// The class asked for (``DNSClass/in`` almost always). mDNS puts the
    /// unicast-response bit here; it is kept as received.
    public var dnsClass: DNSClass

    /// Creates a question; the class defaults to IN.
    @inlinable
    public init(name: Name, type: RecordType, dnsClass: DNSClass = .in) {
        self.name = name
        self.type = type
        self.dnsClass = dnsClass
    }
}

/// A resource record (RFC 1035 §4.1.3).
public struct ResourceRecord: Hashable, Sendable {
    /// The owner name.
    public var name: Name
    /// The record type. For typed ``RData`` it matches ``RData/impliedType``.
    public var type: RecordType
    /// The class (IN almost always; mDNS sets its top bit for cache-flush).
    public var dnsClass: DNSClass
    /// Seconds the record may be cached.
    public var ttl: UInt32
    /// The record data.
    public var data: RData

    /// Creates a record with an explicit type (needed for ``RData/unknown(_:)``).
    @inlinable
    public init(name: Name, type: RecordType, dnsClass: DNSClass = .in, ttl: UInt32, data: RData) {
        self.name = name
        self.type = type
        self.dnsClass = dnsClass
        self.ttl = ttl
        self.data = data
    }

    /// Creates a record whose type follows from typed data; an
    /// ``RData/unknown(_:)`` value gets type 0, so use the other initializer.
    @inlinable
    public init(name: Name, dnsClass: DNSClass = .in, ttl: UInt32, data: RData) {
        self.init(name: name, type: data.impliedType ?? RecordType(0), dnsClass: dnsClass, ttl: ttl, data: data)
    }
}

/// The EDNS(0) information of a message, lifted out of its OPT pseudo-record
/// (RFC 6891 §6.1).
public struct EDNS: Hashable, Sendable {
    /// The largest UDP payload the sender can reassemble (the OPT CLASS field).
    public var udpPayloadSize: UInt16
    /// The upper eight bits of the extended RCODE (the first TTL octet).
    /// ``Message/rcode`` combines it with the header's four bits.
    public var extendedRCode: UInt8
    /// The EDNS version (0 today).
    public var version: UInt8
    /// DO: DNSSEC records wanted (RFC 3225).
    public var dnssecOK: Bool
    /// The other fifteen flag bits (Z), kept as received.
    public var z: UInt16
    /// The options, in order, each kept byte for byte.
    public var options: [EDNSOption]

    /// Creates EDNS information; by default a 1232-octet payload size
    /// (the DNS Flag Day 2020 value), version 0, no flags, no options.
    @inlinable
    public init(udpPayloadSize: UInt16 = 1232, extendedRCode: UInt8 = 0, version: UInt8 = 0,
                dnssecOK: Bool = false, z: UInt16 = 0, options: [EDNSOption] = []) {
        self.udpPayloadSize = udpPayloadSize
        self.extendedRCode = extendedRCode
        self.version = version
        self.dnssecOK = dnssecOK
        self.z = z & 0x7FFF
        self.options = options
    }

    /// The OPT record's TTL field: extended RCODE, version, DO and Z.
    @inlinable
    var ttlField: UInt32 {
        UInt32(extendedRCode) << 24 | UInt32(version) << 16 | (dnssecOK ? 0x8000 : 0) | UInt32(z & 0x7FFF)
    }
}

/// One EDNS option (RFC 6891 §6.1.2): a code and its data, kept byte for byte.
public struct EDNSOption: Hashable, Sendable {
    /// The option code (10 is COOKIE, 8 is Client Subnet, 3 is NSID …).
    public var code: UInt16
    /// The option data.
    public var data: [UInt8]

    /// Creates an option.
    @inlinable
    public init(code: UInt16, data: [UInt8]) {
        self.code = code
        self.data = data
    }
}
