// Findings sit beside the verdict and never change it: they are what a mail
// administrator may want to score or log on top of pass/fail.

public import DNSWire

/// Something noteworthy about the client address, its PTR names or the HELO
/// name. Findings never change the verdict.
public enum Finding: Hashable, Sendable {
    /// The client address was IPv4-mapped IPv6 and was evaluated as IPv4.
    case ipv4MappedClient(IPv6Address)
    /// The client address lies in a special-purpose range (RFC 6890,
    /// RFC 6303); it was evaluated all the same.
    case specialUseAddress(SpecialUseRange)
    /// The PTR answer repeated these names (differing at most in ASCII case);
    /// the repeats were dropped, the first spelling kept.
    case duplicateNames([Name])
    /// A PTR name has octets other than letters, digits, `-` and `_`, a
    /// label starting or ending with `-`, or is the root.
    case invalidHostName(Name, HostNameProblem)
    /// A PTR name is all digits, an IP address literal (`192.0.2.7.`). It is
    /// looked up as a name (unless strict), never read as an address.
    case numericName(Name)
    /// A PTR name lies under in-addr.arpa or ip6.arpa.
    case reverseTreeName(Name)
    /// A PTR name looks generic or dynamically assigned.
    case genericName(Name, [GenericNameSignal])
    /// The PTR names belong to several registrable domains (by a built-in
    /// heuristic; see ``RegistrableDomain``); the domains in first-seen order.
    case multipleRegistrableDomains([Name])
    /// The forward lookup of a PTR name went through a CNAME: the PTR target
    /// is an alias (RFC 1912 §2.4 says it should not be); the canonical name.
    case aliasTarget(Name, canonical: Name)
    /// More PTR names than `maxNames`: these were not looked up.
    case namesLeftOut([Name], limit: Int)
    /// How the HELO/EHLO name relates to the PTR names.
    case helo(HELOFinding)

    /// A stable snake_case identifier for logs and JSON.
    public var code: String {
        switch self {
        case .ipv4MappedClient: return "ipv4_mapped_client"
        case .specialUseAddress: return "special_use_address"
        case .duplicateNames: return "duplicate_names"
        case .invalidHostName: return "invalid_host_name"
        case .numericName: return "numeric_name"
        case .reverseTreeName: return "reverse_tree_name"
        case .genericName: return "generic_name"
        case .multipleRegistrableDomains: return "multiple_registrable_domains"
        case .aliasTarget: return "alias_target"
        case .namesLeftOut: return "names_left_out"
        case .helo(let helo): return helo.code
        }
    }
}

extension Finding: CustomStringConvertible {
    /// One line of text.
    public var description: String {
        switch self {
        case .ipv4MappedClient(let mapped):
            return "client address \(mapped) is IPv4-mapped; evaluated as IPv4"
        case .specialUseAddress(let range):
            return "client address is in \(range.prefix) (\(range.name), \(range.reference))"
        case .duplicateNames(let names):
            return "duplicate PTR names dropped: \(names.map(\.description).joined(separator: " "))"
        case .invalidHostName(let name, let problem):
            return "\(name) is not a valid host name: \(problem.description)"
        case .numericName(let name):
            return "\(name) is a numeric name (an IP address literal)"
        case .reverseTreeName(let name):
            return "\(name) is a name under in-addr.arpa or ip6.arpa"
        case .genericName(let name, let signals):
            return "\(name) looks generic: \(signals.map(\.description).joined(separator: ", "))"
        case .multipleRegistrableDomains(let domains):
            return "PTR names in several domains: \(domains.map(\.description).joined(separator: " "))"
        case .aliasTarget(let name, let canonical):
            return "\(name) is an alias of \(canonical)"
        case .namesLeftOut(let names, let limit):
            return "\(names.count) PTR name\(names.count == 1 ? "" : "s") over the limit of \(limit) not checked: "
                + names.map(\.description).joined(separator: " ")
        case .helo(let helo):
            return helo.description
        }
    }
}

/// Why a name looks generic (assigned by an access provider per address)
/// rather than chosen for a mail server.
public enum GenericNameSignal: Hashable, Sendable {
    /// The client address appears in the host part of the name.
    case clientAddress(EmbeddedAddressForm)
    /// The host part holds four numbers 0…255 in a row (an IPv4 address,
    /// though not the client's).
    case ipv4LikeNumbers
    /// The host part holds eight or more single-hex-digit labels (an
    /// ip6.arpa-style nibble run).
    case ipv6Nibbles
    /// A word typical of access networks (`dyn`, `dhcp`, `pool`, `dsl`, …).
    case keyword(String)

    /// The ways an address is written into names.
    public enum EmbeddedAddressForm: String, Hashable, Sendable {
        /// The four decimal octets, in order, separated by `-`, `_` or `.`
        /// (`192-0-2-41`, `ip192.0.2.41`), zero-padded or not.
        case octets
        /// The four octets in reverse order (`41-2-0-192`).
        case reversedOctets
        /// One decimal number: the twelve zero-padded digits
        /// (`192000002041`) or the 32-bit value (`3221225001`).
        case decimal
        /// Eight hexadecimal digits (`c0000229`).
        case hex
        /// Four or more consecutive IPv6 groups of the client address
        /// (`2001-db8-0-1`).
        case ipv6Groups
        /// The client's interface identifier or whole address as 16 or 32
        /// hexadecimal digits.
        case ipv6Hex
    }
}

extension GenericNameSignal: CustomStringConvertible {
    /// `client address (octets)`, `keyword dyn`, …
    public var description: String {
        switch self {
        case .clientAddress(let form): return "client address (\(form.rawValue))"
        case .ipv4LikeNumbers: return "IPv4-like numbers"
        case .ipv6Nibbles: return "IPv6 nibble labels"
        case .keyword(let word): return "keyword \(word)"
        }
    }

    /// `client_address_octets`, `ipv4_like_numbers`, `ipv6_nibbles`,
    /// `keyword_dyn`, …
    public var code: String {
        switch self {
        case .clientAddress(let form): return "client_address_\(form.rawValue)"
        case .ipv4LikeNumbers: return "ipv4_like_numbers"
        case .ipv6Nibbles: return "ipv6_nibbles"
        case .keyword(let word): return "keyword_\(word)"
        }
    }
}

/// How the HELO/EHLO argument relates to the client's PTR names.
///
/// Comparison is by ``Name`` equality: ASCII case-insensitive, octet exact.
public enum HELOFinding: Hashable, Sendable {
    /// The HELO name equals a confirmed PTR name.
    case matchesConfirmedName(Name)
    /// The HELO name equals a PTR name that was not confirmed (mismatch,
    /// failed lookup, over the cap or discarded).
    case matchesUnconfirmedName(Name)
    /// The HELO name is a fully qualified host name equal to no PTR name
    /// (also when there are no PTR names).
    case mismatch(Name)
    /// An address literal (`[192.0.2.1]`, `[IPv6:2001:db8::1]`, RFC 5321
    /// §4.1.3); whether it equals the client address (after normalising
    /// IPv4-mapped forms).
    case addressLiteral(IPAddress, matchesClient: Bool)
    /// A single label (`localhost`, `DESKTOP-1234`): not fully qualified.
    case notFullyQualified(Name)
    /// Not a host name nor an address literal: empty, a bad escape, an empty
    /// label, octets outside letters/digits/`-`/`_`, a malformed literal.
    case invalidSyntax

    /// `helo_matches_confirmed_name`, `helo_matches_unconfirmed_name`,
    /// `helo_mismatch`, `helo_address_literal`, `helo_not_fully_qualified`,
    /// `helo_invalid_syntax`.
    public var code: String {
        switch self {
        case .matchesConfirmedName: return "helo_matches_confirmed_name"
        case .matchesUnconfirmedName: return "helo_matches_unconfirmed_name"
        case .mismatch: return "helo_mismatch"
        case .addressLiteral: return "helo_address_literal"
        case .notFullyQualified: return "helo_not_fully_qualified"
        case .invalidSyntax: return "helo_invalid_syntax"
        }
    }
}

extension HELOFinding: CustomStringConvertible {
    /// One line of text.
    public var description: String {
        switch self {
        case .matchesConfirmedName(let name): return "HELO \(name) matches a confirmed PTR name"
        case .matchesUnconfirmedName(let name): return "HELO \(name) matches an unconfirmed PTR name"
        case .mismatch(let name): return "HELO \(name) matches no PTR name"
        case .addressLiteral(let address, let matches):
            return "HELO is an address literal \(address) "
                + (matches ? "equal to the client address" : "different from the client address")
        case .notFullyQualified(let name): return "HELO \(name) is not fully qualified"
        case .invalidSyntax: return "HELO is not a valid host name or address literal"
        }
    }
}
