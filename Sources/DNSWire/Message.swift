/// A whole DNS message (RFC 1035 §4.1) with its EDNS information lifted
/// out of the additional section (RFC 6891).
///
/// Decode with ``init(decoding:)``; encode with ``encoded(options:)``. The
/// two mirror each other: decoding the output of encoding gives an equal
/// message.
///
/// ```swift
/// let query = Message.query(id: 7, name: "25.2.0.192.in-addr.arpa.", type: .ptr)
/// let bytes = query.encoded()
/// let back = try Message(decoding: bytes)   // == query
/// ```
public struct Message: Hashable, Sendable {
    /// The ID and flag words.
    public var header: Header
    /// The question section.
    public var questions: [Question]
    /// The answer section.
    public var answers: [ResourceRecord]
    /// The authority section.
    public var authorities: [ResourceRecord]
    /// The additional section, without the OPT pseudo-record.
    public var additionals: [ResourceRecord]
    /// The EDNS information, when the message carried an OPT record.
    public var edns: EDNS?

    /// Creates a message from its parts.
    @inlinable
    public init(header: Header = Header(), questions: [Question] = [], answers: [ResourceRecord] = [],
                authorities: [ResourceRecord] = [], additionals: [ResourceRecord] = [], edns: EDNS? = nil) {
        self.header = header
        self.questions = questions
        self.answers = answers
        self.authorities = authorities
        self.additionals = additionals
        self.edns = edns
    }

    /// The full response code: the header's four bits, extended by the eight
    /// EDNS bits when an OPT record is present (RFC 6891 §6.1.3).
    ///
    /// Setting a code above 15 adds default EDNS information if there is none.
    public var rcode: ResponseCode {
        get { ResponseCode(UInt16(edns?.extendedRCode ?? 0) << 4 | UInt16(header.rcodeBits)) }
        set {
            header.rcodeBits = newValue.headerBits
            if edns != nil {
                edns?.extendedRCode = newValue.extendedBits
            } else if newValue.extendedBits != 0 {
                edns = EDNS(extendedRCode: newValue.extendedBits)
            }
        }
    }

    /// A standard query: one question, RD set, and EDNS with the given payload
    /// size (nil for none).
    public static func query(id: UInt16, name: Name, type: RecordType, dnsClass: DNSClass = .in,
                             recursionDesired: Bool = true, ednsPayloadSize: UInt16? = 1232) -> Message {
        var header = Header(id: id)
        header.recursionDesired = recursionDesired
        return Message(header: header, questions: [Question(name: name, type: type, dnsClass: dnsClass)],
                       edns: ednsPayloadSize.map { EDNS(udpPayloadSize: $0) })
    }
}
