/// Why a DNS message (or a part of one) could not be decoded, and where.
///
/// Every case carries the byte offset, counted from the first byte of the
/// message, at which the problem was found, so that a log line or a test can
/// point at the exact octet. The error is a plain enum, so it is `Sendable`,
/// cheap to throw (typed throws never box it) and easy to match exhaustively.
public enum DNSDecodeError: Error, Hashable, Sendable {
    /// The input ended inside a field that starts at or before `at`.
    case truncated(at: Int)
    /// A section count from the header asks for more records than the bytes
    /// left in the message could possibly hold (each question needs at least
    /// 5 octets, each resource record at least 11).
    case countExceedsMessage(section: Section, count: Int, at: Int)
    /// A compression pointer at `at` points to `target`, which is not strictly
    /// before the start of the name (or name segment) being read. This rejects
    /// self-pointers, forward pointers and every pointer cycle.
    case pointerNotPrior(at: Int, target: Int)
    /// A compression pointer at `at` points into the 12-octet header.
    case pointerIntoHeader(at: Int, target: Int)
    /// A label at `at` uses the reserved label types `0b01` or `0b10`
    /// (the first octet is `0x40...0xBF`).
    case reservedLabelType(at: Int, octet: UInt8)
    /// A label longer than 63 octets (only possible in presentation input or
    /// an extended label type; kept for API completeness).
    case labelTooLong(at: Int)
    /// A name whose uncompressed wire form would exceed 255 octets; `at` is
    /// where the name started.
    case nameTooLong(at: Int)
    /// A pointer was found in a name that may not be compressed (a name in
    /// the RDATA of a type that forbids it is read without following pointers).
    case compressionNotAllowed(at: Int)
    /// The RDATA of the record starting at `at` declares `declared` octets,
    /// but its type's parser consumed `consumed`.
    case rdataLengthMismatch(at: Int, declared: Int, consumed: Int)
    /// The RDATA at `at` is structurally invalid for its type (for example an
    /// EDNS option whose length runs past the OPT RDATA).
    case invalidRDATA(at: Int, type: RecordType)
    /// A second OPT pseudo-record was found at `at` (RFC 6891 §6.1.1).
    case duplicateOPT(at: Int)
    /// An OPT pseudo-record at `at` whose owner name is not the root.
    case invalidOPTOwner(at: Int)
    /// Bytes remain after the last record the header announced.
    case trailingBytes(at: Int)

    /// The section a count refers to.
    public enum Section: String, Hashable, Sendable {
        /// The question section (QDCOUNT).
        case question
        /// The answer section (ANCOUNT).
        case answer
        /// The authority section (NSCOUNT).
        case authority
        /// The additional section (ARCOUNT).
        case additional
    }

    /// The byte offset the error refers to.
    public var offset: Int {
        switch self {
        case .truncated(let at), .countExceedsMessage(_, _, let at), .pointerNotPrior(let at, _),
            .pointerIntoHeader(let at, _), .reservedLabelType(let at, _), .labelTooLong(let at),
            .nameTooLong(let at), .compressionNotAllowed(let at), .rdataLengthMismatch(let at, _, _),
            .invalidRDATA(let at, _), .duplicateOPT(let at), .invalidOPTOwner(let at), .trailingBytes(let at):
            return at
        }
    }

    /// The case's name, stable for logs and machine-readable output
    /// (`"truncated"`, `"pointerNotPrior"`, …).
    public var caseName: String {
        switch self {
        case .truncated: return "truncated"
        case .countExceedsMessage: return "countExceedsMessage"
        case .pointerNotPrior: return "pointerNotPrior"
        case .pointerIntoHeader: return "pointerIntoHeader"
        case .reservedLabelType: return "reservedLabelType"
        case .labelTooLong: return "labelTooLong"
        case .nameTooLong: return "nameTooLong"
        case .compressionNotAllowed: return "compressionNotAllowed"
        case .rdataLengthMismatch: return "rdataLengthMismatch"
        case .invalidRDATA: return "invalidRDATA"
        case .duplicateOPT: return "duplicateOPT"
        case .invalidOPTOwner: return "invalidOPTOwner"
        case .trailingBytes: return "trailingBytes"
        }
    }

    /// True for the errors that mean "the message ended too early":
    /// ``truncated(at:)`` and ``countExceedsMessage(section:count:at:)``.
    public var isTruncation: Bool {
        switch self {
        case .truncated, .countExceedsMessage: return true
        default: return false
        }
    }
}

extension DNSDecodeError: CustomStringConvertible {
    /// A one-line human-readable explanation with the offset.
    public var description: String {
        switch self {
        case .truncated(let at): return "message truncated at offset \(at)"
        case .countExceedsMessage(let section, let count, let at):
            return "\(section.rawValue) count \(count) cannot fit in the bytes left at offset \(at)"
        case .pointerNotPrior(let at, let target):
            return "compression pointer at offset \(at) to \(target) is not prior to the name"
        case .pointerIntoHeader(let at, let target):
            return "compression pointer at offset \(at) points into the header (\(target))"
        case .reservedLabelType(let at, let octet):
            return "reserved label type 0x\(String(octet, radix: 16)) at offset \(at)"
        case .labelTooLong(let at): return "label longer than 63 octets at offset \(at)"
        case .nameTooLong(let at): return "name longer than 255 octets starting at offset \(at)"
        case .compressionNotAllowed(let at): return "compression pointer not allowed here at offset \(at)"
        case .rdataLengthMismatch(let at, let declared, let consumed):
            return "RDLENGTH \(declared) but RDATA parser consumed \(consumed) at offset \(at)"
        case .invalidRDATA(let at, let type): return "invalid \(type) RDATA at offset \(at)"
        case .duplicateOPT(let at): return "second OPT record at offset \(at)"
        case .invalidOPTOwner(let at): return "OPT record owner is not the root at offset \(at)"
        case .trailingBytes(let at): return "trailing bytes after the last record at offset \(at)"
        }
    }
}
