@preconcurrency internal import Glibc

/// The stub-resolver configuration of `/etc/resolv.conf`, parsed the way glibc does.
///
/// ```swift
/// let conf = try ResolvConf.load()            // file + LOCALDOMAIN/RES_OPTIONS
/// let servers = try conf.validatedNameservers() // throws .noNameservers
/// ```
///
/// ## What is read (checked against glibc 2.36's `res_init.c`; see also resolv.conf(5))
///
/// - `nameserver ADDRESS`: IPv4 or IPv6, port 53. The first
///   ``maximumNameservers`` (glibc's `MAXNS`, 3) are kept; later ones are ignored
///   with a warning. An IPv6 `%scope` (interface name or index) is applied to
///   link-local addresses; when it cannot be, the address is kept with scope 0,
///   as glibc does. Words after the address are ignored.
/// - `search DOMAIN...` and `domain DOMAIN`: the last such line wins; `domain`
///   sets a one-entry search list. Like glibc since 2.26 there is no limit on
///   the number of search domains (glibc 2.25 and earlier kept 6 / 256
///   characters). Domains are kept as written, including `.` (the root, which
///   glibc's search treats as "the name itself").
/// - `options OPTION...`: see ``Options``. `ndots:n`, `timeout:n`, `attempts:n`,
///   `rotate`, `edns0`, `use-vc`, `single-request`, `single-request-reopen`,
///   `no-aaaa`, `trust-ad`, `no-tld-query`/`no_tld_query`, `no-reload`.
/// - `LOCALDOMAIN` (environment): replaces the search list; `search`/`domain`
///   lines are then ignored. An empty value gives an empty search list.
/// - `RES_OPTIONS` (environment): more options, applied after the file.
/// - A line whose first character is `#` or `;` is a comment.
///
/// ## Where this parser differs from glibc, on purpose
///
/// - Bad input is never silent: each skipped or adjusted item becomes a
///   ``Warning`` (line number, text, reason). glibc ignores it without a word.
/// - No nameserver is *not* replaced by 127.0.0.1: ``hasNameservers`` is false
///   and ``validated()`` throws ``ResolvConfError/noNameservers``.
/// - Without `search`/`domain`, glibc uses the part of `gethostname()` after the
///   first dot. This parser leaves the search list empty; a caller that wants
///   glibc's fallback can apply it.
/// - Addresses are parsed with `inet_pton`, so glibc's `inet_aton` oddities
///   (`127.1`, `0x7f.0.0.1`, octal `010.0.0.1`) are rejected with a warning.
/// - A word starting with `#` or `;` ends the line (an inline comment). glibc
///   would take `search a.example # note` as three domains: `a.example`, `#`, `note`.
/// - Options must match exactly. glibc compares prefixes (`rotatefoo` turns on
///   `rotate`) and reads numbers with `atoi` (`ndots:2x` is 2, `ndots:x` is 0);
///   here those are warnings and the option is ignored.
/// - Clamping: `ndots` to 0...15, `timeout` to 1...30, `attempts` to 1...5, with a
///   warning. glibc caps only from above, and `ndots:-1` wraps to 15 in its
///   4-bit field; `timeout:0` stays 0 there.
/// - Negation: a flag written `-rotate` (in the file or in `RES_OPTIONS`) turns
///   the flag *off*. glibc 2.36 (on this machine, checked) has no such syntax and
///   silently ignores `-rotate`; newer glibc releases are said to accept a `-`
///   prefix in the same way, but that could not be checked here. `no-rotate` is
///   not a glibc spelling and is reported as an unknown option.
/// - Lines with a leading space or tab are ignored, as glibc does, but with a warning.
public struct ResolvConf: Sendable, Hashable {
    /// The most nameservers used (glibc's `MAXNS`).
    public static let maximumNameservers = 3

    /// The largest file ``load(path:environment:)`` reads.
    public static let maximumFileSize = 1 << 20

    /// Nameservers in file order (port 53), at most ``maximumNameservers``. May be empty.
    public var nameservers: [SocketAddress]

    /// The search list as written (no validation, no trailing-dot normalisation).
    public var searchDomains: [String]

    /// The options after the file and `RES_OPTIONS`.
    public var options: Options

    /// Everything skipped or adjusted while parsing, in order.
    public var warnings: [Warning]

    /// Creates a configuration directly.
    public init(
        nameservers: [SocketAddress],
        searchDomains: [String] = [],
        options: Options = Options(),
        warnings: [Warning] = []
    ) {
        self.nameservers = nameservers
        self.searchDomains = searchDomains
        self.options = options
        self.warnings = warnings
    }

    /// Parses resolv.conf text, then applies `LOCALDOMAIN` and `RES_OPTIONS` from `environment`.
    ///
    /// Never fails: bad lines become ``warnings``. Pass the environment explicitly
    /// (``processEnvironment()`` reads the real one).
    public init(parsing text: String, environment: [String: String] = [:]) {
        var parser = ResolvConfParser()
        parser.parse(text: text, environment: environment)
        self.init(
            nameservers: parser.nameservers,
            searchDomains: parser.searchDomains ?? [],
            options: parser.options,
            warnings: parser.warnings
        )
    }

    /// `true` when at least one nameserver was found.
    public var hasNameservers: Bool {
        !nameservers.isEmpty
    }

    /// Returns `self` if it names a nameserver; throws ``ResolvConfError/noNameservers`` otherwise.
    public func validated() throws(ResolvConfError) -> ResolvConf {
        guard hasNameservers else { throw .noNameservers }
        return self
    }

    /// The nameservers; throws ``ResolvConfError/noNameservers`` when there are none.
    public func validatedNameservers() throws(ResolvConfError) -> [SocketAddress] {
        guard hasNameservers else { throw .noNameservers }
        return nameservers
    }

    /// Reads and parses a resolv.conf file (plain `open`/`read`, no Foundation).
    ///
    /// - Parameters:
    ///   - path: The file; `/etc/resolv.conf` by default.
    ///   - environment: Where `LOCALDOMAIN` and `RES_OPTIONS` come from; the
    ///     process environment by default.
    /// - Throws: ``ResolvConfError/cannotRead(path:errno:)`` (including a missing
    ///   file: glibc would then silently use 127.0.0.1), or
    ///   ``ResolvConfError/fileTooLarge(path:limit:)``. A file without nameservers
    ///   loads fine; call ``validated()``.
    public static func load(
        path: String = "/etc/resolv.conf",
        environment: [String: String] = ResolvConf.processEnvironment()
    ) throws(ResolvConfError) -> ResolvConf {
        let bytes = try readFile(path)
        return ResolvConf(parsing: String(decoding: bytes, as: UTF8.self), environment: environment)
    }

    /// The variables of the process environment that affect parsing: `LOCALDOMAIN` and `RES_OPTIONS`.
    public static func processEnvironment() -> [String: String] {
        var environment: [String: String] = [:]
        for name in ["LOCALDOMAIN", "RES_OPTIONS"] {
            if let value = getenv(name) {
                environment[name] = String(cString: value)
            }
        }
        return environment
    }

    /// Reads a whole file of at most ``maximumFileSize`` bytes.
    private static func readFile(_ path: String) throws(ResolvConfError) -> [UInt8] {
        let fd: CInt
        do {
            fd = try sysOpenReadOnly(path)
        } catch {
            throw .cannotRead(path: path, errno: error)
        }
        defer { try? sysClose(fd) }

        var contents: [UInt8] = []
        let chunkSize = 16 * 1024
        while true {
            let result = withUnsafeTemporaryAllocation(byteCount: chunkSize, alignment: 1) { buffer in
                Result { () throws(Errno) -> Int in
                    guard case .processed(let count) = try sysRead(fd, into: buffer) else {
                        throw Errno.wouldBlock  // A blocking descriptor never reports this.
                    }
                    contents.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
                    return count
                }
            }
            switch result {
            case .failure(let error):
                throw .cannotRead(path: path, errno: error)
            case .success(0):
                return contents
            case .success:
                if contents.count > maximumFileSize {
                    throw .fileTooLarge(path: path, limit: maximumFileSize)
                }
            }
        }
    }
}
