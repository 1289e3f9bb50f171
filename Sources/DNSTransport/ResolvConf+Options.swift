extension ResolvConf {
    /// The `options` of resolv.conf (and `RES_OPTIONS`) that a stub resolver acts on.
    ///
    /// Defaults are glibc's: `ndots:1`, `timeout:5`, `attempts:2`, every flag off.
    public struct Options: Sendable, Hashable {
        /// The range ``ndots`` is clamped to (glibc's `RES_MAXNDOTS` is 15).
        public static let ndotsRange = 0...15
        /// The range ``timeoutSeconds`` is clamped to (glibc's `RES_MAXRETRANS` is 30).
        public static let timeoutRange = 1...30
        /// The range ``attempts`` is clamped to (glibc's `RES_MAXRETRY` is 5).
        public static let attemptsRange = 1...5

        /// `ndots:n`: a name with at least this many dots is first tried as absolute, before the search list.
        public var ndots = 1
        /// `timeout:n`: seconds to wait for one server's reply before trying the next.
        public var timeoutSeconds = 5
        /// `attempts:n`: how many rounds over the server list before giving up.
        public var attempts = 2
        /// `rotate`: spread queries round-robin over the servers instead of always starting with the first.
        public var rotate = false
        /// `edns0`: send an EDNS(0) OPT record (RFC 6891) with queries.
        public var edns0 = false
        /// `use-vc`: always use TCP.
        public var useTCP = false
        /// `single-request`: send the A and AAAA queries one after the other, not in parallel.
        public var singleRequest = false
        /// `single-request-reopen`: use a new socket for the second of the A/AAAA queries.
        public var singleRequestReopen = false
        /// `no-aaaa` (glibc 2.36+): suppress AAAA queries.
        public var noAAAA = false
        /// `trust-ad` (glibc 2.31+): set the AD bit in queries and pass it through in responses.
        public var trustAD = false
        /// `no-tld-query` (also spelled `no_tld_query`): never query an unqualified name as a TLD.
        public var noTLDQuery = false
        /// `no-reload` (glibc 2.26+): do not reload the file when it changes.
        public var noReload = false

        /// Creates the default options.
        public init() {}

        /// ``timeoutSeconds`` as a `Duration`.
        public var timeout: Duration {
            .seconds(timeoutSeconds)
        }
    }
}
