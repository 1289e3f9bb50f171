import DNSResolver
import DNSTransport
import DNSWire

/// The resolver options shared by `lookup`, `check` and `batch`.
enum ResolverOptions {
    static let valued: Set<String> = ["--server", "--timeout"]
    static let flags: Set<String> = ["--tcp"]

    static let help = """
          --server ADDR[:PORT]  ask this server (repeatable; IPv6 with a port: [::1]:5301);
                                without it, the servers of /etc/resolv.conf
          --tcp                 use TCP for every query
          --timeout MS          time allowed per try of one server (default 2000)
        """

    /// Builds the resolver configuration from the command line.
    static func configuration(_ args: Arguments, perTryTimeout: Int? = nil) throws(Arguments.UsageError) -> ResolverConfiguration {
        var configuration: ResolverConfiguration
        let servers = args.values["--server"] ?? []
        if servers.isEmpty {
            do throws(ResolvConfError) {
                configuration = try ResolverConfiguration.system(environment: ProcessEnvironment.current)
            } catch {
                throw Arguments.UsageError(message: "no --server given and /etc/resolv.conf is unusable: \(error)")
            }
        } else {
            var addresses: [SocketAddress] = []
            for text in servers {
                guard let address = SocketAddress(parsing: text, defaultPort: 53) else {
                    throw Arguments.UsageError(message: "bad --server '\(text)' (e.g. 127.0.0.1:5353 or [::1]:5301)")
                }
                addresses.append(address)
            }
            configuration = ResolverConfiguration(servers: addresses)
        }
        if args.flags.contains("--tcp") { configuration.tcpOnly = true }
        if let perTryTimeout {
            configuration.timeout = .milliseconds(perTryTimeout)
        } else if args.value("--timeout") != nil {
            configuration.timeout = .milliseconds(try args.integer("--timeout", default: 2000, in: 1...600_000))
        }
        return configuration
    }
}
