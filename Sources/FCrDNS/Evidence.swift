public import DNSWire

/// What the evaluation learned about one PTR name.
public struct NameEvidence: Hashable, Sendable {
    /// The name's part in the verdict.
    public enum Status: Hashable, Sendable {
        /// A forward lookup gave the client address.
        case confirmed
        /// The forward lookups completed with addresses, none the client's.
        case mismatch
        /// The forward lookups completed with NXDOMAIN.
        case nxdomain
        /// The forward lookups completed with no address records (NODATA,
        /// or NXDOMAIN for one type and NODATA for the other).
        case nodata
        /// A forward lookup failed transiently (the first failure) and no
        /// other lookup of this name gave the client address.
        case transient(TransientFailure)
        /// Not looked up: the name came after the first `maxNames` names.
        case notChecked
        /// Not looked up: strict mode discarded it as not a valid host name.
        case discarded

        /// `confirmed`, `mismatch`, `nxdomain`, `nodata`, `transient`,
        /// `not_checked`, `discarded`.
        public var word: String {
            switch self {
            case .confirmed: return "confirmed"
            case .mismatch: return "mismatch"
            case .nxdomain: return "nxdomain"
            case .nodata: return "nodata"
            case .transient: return "transient"
            case .notChecked: return "not_checked"
            case .discarded: return "discarded"
            }
        }

        /// True for the outcomes of completed lookups (confirmed, mismatch,
        /// nxdomain, nodata).
        public var isCompleted: Bool {
            switch self {
            case .confirmed, .mismatch, .nxdomain, .nodata: return true
            case .transient, .notChecked, .discarded: return false
            }
        }
    }

    /// The PTR name exactly as received.
    public let name: Name
    /// Its part in the verdict.
    public let status: Status
    /// The forward lookups made for it, in type order (A before AAAA);
    /// empty when it was not looked up.
    public let lookups: [ForwardLookup]
    /// Why it is not a valid host name, or nil when it is one.
    public let problem: HostNameProblem?

    init(name: Name, status: Status, lookups: [ForwardLookup], problem: HostNameProblem?) {
        self.name = name
        self.status = status
        self.lookups = lookups
        self.problem = problem
    }

    /// Every address the forward lookups found, in order.
    public var addresses: [IPAddress] {
        lookups.flatMap { lookup -> [IPAddress] in
            if case .found(let addresses) = lookup.outcome { return addresses }
            return []
        }
    }
}

/// One forward (A or AAAA) lookup of a PTR name.
public struct ForwardLookup: Hashable, Sendable {
    /// A or AAAA.
    public let type: RecordType
    /// How it ended (an empty `.found` is reported as `.nodata`; a lookup
    /// cut by the deadline as `.transient(.deadline)`).
    public let outcome: LookupOutcome<[IPAddress]>
    /// The CNAME chain it went through (empty when none).
    public let cnameChain: [Name]
}

/// Why a PTR name is not a usable host name.
///
/// A host name is made of labels of letters, digits and hyphens (RFC 952,
/// RFC 1123 §2.1), not starting or ending with a hyphen; like Postfix, this
/// also accepts `_`, which is common in real PTR data.
public enum HostNameProblem: Hashable, Sendable {
    /// The root name `.`.
    case root
    /// A label holds this octet, which is not a letter, digit, `-` or `_`
    /// (the first such octet).
    case invalidOctet(UInt8)
    /// A label starts with `-`.
    case leadingHyphen
    /// A label ends with `-`.
    case trailingHyphen
    /// Every label is all digits: an IP address literal such as `192.0.2.7.`
    /// (never read as an address; RFC 1123 §2.1 requires host names to be
    /// distinguishable from addresses).
    case numeric
    /// The name lies under `in-addr.arpa.` or `ip6.arpa.`: a reverse name,
    /// not a host name.
    case reverseTree

    /// A short phrase (`invalid octet \255`, `leading hyphen`, …).
    public var description: String {
        switch self {
        case .root: return "the root name"
        case .invalidOctet(let octet):
            var bytes: [UInt8] = []
            appendOctetForDisplay(octet, to: &bytes)
            return "invalid octet " + String(decoding: bytes, as: UTF8.self)
        case .leadingHyphen: return "label starts with a hyphen"
        case .trailingHyphen: return "label ends with a hyphen"
        case .numeric: return "numeric name (an IP address literal)"
        case .reverseTree: return "name under in-addr.arpa or ip6.arpa"
        }
    }

    /// `root`, `invalid_octet`, `leading_hyphen`, `trailing_hyphen`,
    /// `numeric`, `reverse_tree`.
    public var code: String {
        switch self {
        case .root: return "root"
        case .invalidOctet: return "invalid_octet"
        case .leadingHyphen: return "leading_hyphen"
        case .trailingHyphen: return "trailing_hyphen"
        case .numeric: return "numeric"
        case .reverseTree: return "reverse_tree"
        }
    }
}

/// Writes an octet as it appears in presentation form: printable ASCII
/// other than the escaped specials as itself (`'#'`), everything else as
/// `\DDD`.
func appendOctetForDisplay(_ octet: UInt8, to bytes: inout [UInt8]) {
    if octet > 0x20, octet < 0x7F {
        bytes.append(UInt8(ascii: "'"))
        bytes.append(octet)
        bytes.append(UInt8(ascii: "'"))
    } else {
        bytes.append(UInt8(ascii: "\\"))
        bytes.append(UInt8(ascii: "0") + octet / 100)
        bytes.append(UInt8(ascii: "0") + (octet / 10) % 10)
        bytes.append(UInt8(ascii: "0") + octet % 10)
    }
}
