// Verdicts are return values (swift-certificates' `CertificateValidationResult`
// shape): a typed case with the data that justifies it, never a thrown error.

public import DNSWire

/// The RFC 8601 §2.7.3 result word of the "iprev" method.
public enum IPRevResult: String, Hashable, Sendable, CaseIterable {
    /// The client address is among the addresses of a PTR name.
    case pass
    /// Every forward lookup completed and none gave the client address.
    case fail
    /// No PTR data is published (or, in strict mode, none is usable).
    case permerror
    /// A lookup failed transiently and no name was confirmed.
    case temperror

    /// The command-line exit status: 0 pass, 1 fail, 2 permerror, 3 temperror.
    public var exitCode: Int32 {
        switch self {
        case .pass: return 0
        case .fail: return 1
        case .permerror: return 2
        case .temperror: return 3
        }
    }
}

/// A PTR name whose forward lookup returned the client address.
///
/// Only ``FCrDNSEvaluator`` creates these (the initializer is internal), so
/// holding one proves the name was confirmed by an evaluation.
public struct ConfirmedName: Hashable, Sendable {
    /// The PTR target exactly as received (case and octets preserved).
    public let name: Name
    /// The client address, as found among the name's addresses.
    public let address: IPAddress
    /// The record type that gave the address (A or AAAA).
    public let recordType: RecordType
    /// The CNAME chain the forward lookup went through (empty when none).
    public let cnameChain: [Name]

    init(name: Name, address: IPAddress, recordType: RecordType, cnameChain: [Name]) {
        self.name = name
        self.address = address
        self.recordType = recordType
        self.cnameChain = cnameChain
    }
}

/// The verdict of one evaluation, with its justification.
public enum FCrDNSVerdict: Hashable, Sendable {
    /// At least one checked PTR name resolves to the client address; the
    /// confirmed names in PTR answer order (never empty).
    case pass([ConfirmedName])
    /// Every forward lookup completed (addresses, NXDOMAIN or NODATA) and
    /// none gave the client address; the names checked, in order.
    case fail(checked: [Name])
    /// No usable PTR data.
    case permerror(PermanentError)
    /// No name confirmed, and a lookup failed transiently.
    case temperror(TemporaryError)

    /// Why the verdict is permerror.
    public enum PermanentError: Hashable, Sendable {
        /// The reverse name does not exist (NXDOMAIN).
        case ptrNXDOMAIN
        /// The reverse name exists but has no PTR records (NOERROR, NODATA).
        case ptrNODATA
        /// Strict mode discarded every PTR name as not a valid host name;
        /// the discarded names.
        case noUsableNames(discarded: [Name])
    }

    /// Why the verdict is temperror.
    public enum TemporaryError: Hashable, Sendable {
        /// The PTR lookup itself failed.
        case ptrLookup(TransientFailure)
        /// No checked name confirmed and these names' forward lookups failed
        /// transiently (in PTR answer order, with the first failure of each).
        case forwardLookups([TransientName])
    }

    /// A name whose forward lookup failed transiently.
    public struct TransientName: Hashable, Sendable {
        /// The PTR name.
        public var name: Name
        /// The record type of the failed lookup.
        public var type: RecordType
        /// Why it failed.
        public var failure: TransientFailure

        /// Creates a record of a failed forward lookup.
        public init(name: Name, type: RecordType, failure: TransientFailure) {
            self.name = name
            self.type = type
            self.failure = failure
        }
    }

    /// The RFC 8601 result word.
    public var result: IPRevResult {
        switch self {
        case .pass: return .pass
        case .fail: return .fail
        case .permerror: return .permerror
        case .temperror: return .temperror
        }
    }

    /// The confirmed names (empty unless pass).
    public var confirmedNames: [ConfirmedName] {
        if case .pass(let names) = self { return names }
        return []
    }
}
