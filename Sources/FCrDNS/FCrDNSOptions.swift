/// Settings of an ``FCrDNSEvaluator``.
public struct FCrDNSOptions: Hashable, Sendable {
    /// Which address records are asked for each PTR name.
    public enum ForwardTypes: String, Hashable, Sendable {
        /// A for an IPv4 client, AAAA for an IPv6 client (RFC 8601 §3).
        case matchingFamily
        /// Both A and AAAA for every client. An address of either type
        /// confirms (an IPv4-mapped AAAA is compared as IPv4); a transient
        /// failure of either lookup keeps an unconfirmed name from "fail".
        case both
    }

    /// The most PTR names whose addresses are looked up (default 10, the
    /// limit RFC 7208 §4.6.4 sets for SPF's `ptr` mechanism). Names after
    /// these are reported as left out and never looked up. Values below 1
    /// count as 1.
    public var maxNames: Int
    /// Postfix's behaviour: PTR names that are not valid host names (octets
    /// other than letters, digits, `-` and `_`; a leading or trailing hyphen;
    /// an all-numeric name such as `192.0.2.7.`; a name under in-addr.arpa or
    /// ip6.arpa) are discarded before the forward lookups instead of only
    /// being reported. When none is left the verdict is permerror.
    public var strict: Bool
    /// Which address records are asked for.
    public var forwardTypes: ForwardTypes
    /// The time one evaluation may take; every lookup of it shares one
    /// deadline this far from its start (default 10 s).
    public var timeout: Duration
    /// The authserv-id for ``FCrDNSResult/authenticationResultsHeaderValue``
    /// (the host name of the receiving server), or nil.
    public var authservID: String?
    /// The text of the suggested SMTP reply for fail and permerror (code
    /// `550 5.7.25`). `{ip}` is replaced by the client address.
    public var permanentReplyText: String
    /// The text of the suggested SMTP reply for temperror (code
    /// `450 4.7.25`). `{ip}` is replaced by the client address.
    public var temporaryReplyText: String

    /// The default fail/permerror reply text, in Gmail's wording.
    public static let defaultPermanentReplyText =
        "[{ip}] The IP address sending this message does not have a PTR record setup, or the corresponding "
        + "forward DNS entry does not point to the sending IP"
    /// The default temperror reply text.
    public static let defaultTemporaryReplyText =
        "[{ip}] The PTR record of the IP address sending this message, or its corresponding forward DNS "
        + "entry, could not be checked because of a temporary DNS failure; try again later"

    /// Creates options; every parameter has the documented default.
    public init(maxNames: Int = 10, strict: Bool = false, forwardTypes: ForwardTypes = .matchingFamily,
                timeout: Duration = .seconds(10), authservID: String? = nil,
                permanentReplyText: String = FCrDNSOptions.defaultPermanentReplyText,
                temporaryReplyText: String = FCrDNSOptions.defaultTemporaryReplyText) {
        self.maxNames = maxNames
        self.strict = strict
        self.forwardTypes = forwardTypes
        self.timeout = timeout
        self.authservID = authservID
        self.permanentReplyText = permanentReplyText
        self.temporaryReplyText = temporaryReplyText
    }
}
