public import DNSTransport
public import DNSWire

/// How a ``Resolver`` talks to its servers.
///
/// The defaults follow glibc where glibc has a default (two attempts per
/// server, at most three servers from resolv.conf) and current practice where
/// it does not (an EDNS payload size of 1232, DNS Flag Day 2020). Every
/// numeric field is clamped to a sane range when the resolver starts.
public struct ResolverConfiguration: Sendable {
    /// The servers, tried in order (or rotated when ``rotate`` is on).
    public var servers: [SocketAddress]
    /// How long to wait for one server on one try (glibc's `timeout`).
    public var timeout: Duration
    /// How many rounds over the servers (glibc's `attempts`).
    public var attempts: Int
    /// A deadline for the whole query across every server and round; nil
    /// means `timeout × attempts × servers`.
    public var totalTimeout: Duration?
    /// Start each query at the next server in turn (glibc's `rotate`).
    public var rotate: Bool
    /// The EDNS UDP payload size to advertise; nil sends no OPT record.
    public var ednsPayloadSize: UInt16?
    /// Use TCP for every query (glibc's `use-vc`).
    public var tcpOnly: Bool
    /// Randomise the case of the query name and require the answer to echo it
    /// exactly (DNS 0x20, draft-vixie-dnsext-dns0x20): more bits an attacker
    /// has to guess.
    public var randomizeCase: Bool
    /// The answer cache.
    public var cache: CacheOptions
    /// The most queries on the network at once; more wait their turn.
    public var maxInFlight: Int
    /// The most CNAME records followed inside one answer.
    public var maxCNAMEHops: Int
    /// Search domains from resolv.conf (used by ``Resolver/searchNames(for:)``).
    public var searchDomains: [Name]
    /// Names with at least this many dots are tried as given first (glibc's `ndots`).
    public var ndots: Int

    /// Settings of the answer cache.
    public struct CacheOptions: Sendable, Hashable {
        /// Whether answers are cached at all.
        public var enabled: Bool
        /// The most entries kept; the oldest are evicted first.
        public var maxEntries: Int
        /// The longest any answer is kept, whatever its TTL.
        public var maxTTL: UInt32
        /// The longest a negative answer (NXDOMAIN, NODATA) is kept (RFC 2308 §5).
        public var maxNegativeTTL: UInt32

        /// Creates cache settings: on, 10,000 entries, one day, three hours.
        public init(enabled: Bool = true, maxEntries: Int = 10_000, maxTTL: UInt32 = 86_400, maxNegativeTTL: UInt32 = 10_800) {
            self.enabled = enabled
            self.maxEntries = maxEntries
            self.maxTTL = maxTTL
            self.maxNegativeTTL = maxNegativeTTL
        }
    }

    /// Creates a configuration for explicit servers.
    public init(servers: [SocketAddress], timeout: Duration = .seconds(2), attempts: Int = 2,
                totalTimeout: Duration? = nil, rotate: Bool = false, ednsPayloadSize: UInt16? = 1232,
                tcpOnly: Bool = false, randomizeCase: Bool = false, cache: CacheOptions = CacheOptions(),
                maxInFlight: Int = 1024, maxCNAMEHops: Int = 16, searchDomains: [Name] = [], ndots: Int = 1) {
        self.servers = servers
        self.timeout = timeout
        self.attempts = attempts
        self.totalTimeout = totalTimeout
        self.rotate = rotate
        self.ednsPayloadSize = ednsPayloadSize
        self.tcpOnly = tcpOnly
        self.randomizeCase = randomizeCase
        self.cache = cache
        self.maxInFlight = maxInFlight
        self.maxCNAMEHops = maxCNAMEHops
        self.searchDomains = searchDomains
        self.ndots = ndots
    }

    /// Takes servers and options from a parsed resolv.conf: nameservers,
    /// search list, ndots, timeout, attempts, rotate, use-vc, and edns0
    /// (without `edns0`, glibc sends no OPT record; this library sends one
    /// anyway, since a stub that cannot take answers over 512 octets falls
    /// back to TCP needlessly — set ``ednsPayloadSize`` to nil to match glibc).
    ///
    /// - Throws: ``ResolvConfError`` when the file named no usable server.
    public init(resolvConf: ResolvConf) throws(ResolvConfError) {
        let servers = try resolvConf.validatedNameservers()
        self.init(servers: servers)
        timeout = .seconds(resolvConf.options.timeoutSeconds)
        attempts = resolvConf.options.attempts
        rotate = resolvConf.options.rotate
        tcpOnly = resolvConf.options.useTCP
        ndots = resolvConf.options.ndots
        searchDomains = resolvConf.searchDomains.compactMap { try? Name(parsing: $0) }
    }

    /// Reads `/etc/resolv.conf` (or `path`) with the `RES_OPTIONS` and
    /// `LOCALDOMAIN` overrides from `environment`, like glibc's `res_init`.
    public static func system(path: String = "/etc/resolv.conf",
                              environment: [String: String]) throws(ResolvConfError) -> ResolverConfiguration {
        try ResolverConfiguration(resolvConf: ResolvConf.load(path: path, environment: environment))
    }

    /// The deadline for one whole query.
    var effectiveTotalTimeout: Duration {
        totalTimeout ?? timeout * (max(attempts, 1) * max(servers.count, 1))
    }
}
