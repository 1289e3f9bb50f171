import DNSResolver
import DNSWire
import FCrDNS

/// `fcrdns check IP`: one forward-confirmed reverse DNS evaluation.
enum CheckCommand {
    static let help = """
        usage: fcrdns check IP [--helo NAME] [--server ADDR[:PORT]]... [--max-names N] [--timeout MS] [--json]

        Evaluates forward-confirmed reverse DNS for a connecting client (RFC 8601
        iprev): the PTR names of IP are looked up, and each name's A (or AAAA)
        records must include IP. The first line of the text output starts with the
        verdict — pass, fail, permerror or temperror — then the IP and the confirmed
        or failing names; further lines give the evidence and findings.

        Exit status: 0 pass, 1 fail, 2 permerror, 3 temperror, 64 usage error.

        options:
          --helo NAME           the HELO/EHLO name the client gave (checked for alignment)
          --max-names N         PTR names checked at most (default 10)
          --timeout MS          deadline for the whole evaluation (default 10000)
          --strict              discard PTR names that are not valid host names (Postfix)
          --both                look up A and AAAA for every name, whatever the client's family
          --authserv-id ID      the authserv-id of the Authentication-Results header
          --json                print one JSON object
        \(EvaluationOptions.resolverHelp)
          -h, --help            show this help
        """

    static func run(_ arguments: [String]) async throws(Arguments.UsageError) -> Int32 {
        let args = try Arguments(arguments, valued: EvaluationOptions.valued.union(["--helo"]),
                                 flags: EvaluationOptions.flags.union(["--json", "--help", "-h"]))
        if args.flags.contains("--help") || args.flags.contains("-h") {
            Output.line(help)
            return 0
        }
        guard args.positionals.count == 1, let text = args.positionals.first else {
            throw Arguments.UsageError(message: "check needs exactly one IP address")
        }
        let ip: IPAddress
        do throws(IPAddressParseError) {
            ip = try IPAddress(parsing: text)
        } catch {
            throw Arguments.UsageError(message: "'\(text)' is not an IP address: \(error)")
        }
        let evaluator = try EvaluationOptions.evaluator(args)
        let result = await evaluator.evaluate(ip: ip, helo: args.value("--helo"))
        Output.line(args.flags.contains("--json") ? result.json : result.text)
        return result.exitCode
    }
}

/// Options shared by `check` and `batch`.
enum EvaluationOptions {
    static let valued: Set<String> = ["--server", "--timeout", "--max-names", "--authserv-id"]
    static let flags: Set<String> = ["--tcp", "--strict", "--both", "--no-cache"]

    static let resolverHelp = """
          --server ADDR[:PORT]  ask this recursive server (repeatable; IPv6 with a port:
                                [::1]:5301); without it, the servers of /etc/resolv.conf
          --tcp                 use TCP for every query
          --no-cache            keep no answers between lookups (every lookup asks the server)
        """

    static func evaluator(_ args: Arguments) throws(Arguments.UsageError) -> FCrDNSEvaluator {
        let timeout = try args.integer("--timeout", default: 10_000, in: 1...600_000)
        var configuration = try ResolverOptions.configuration(args, perTryTimeout: min(2000, max(timeout / 2, 1)))
        // The evaluation's deadline bounds every lookup; the resolver may use all of it.
        configuration.totalTimeout = .milliseconds(timeout)
        if args.flags.contains("--no-cache") { configuration.cache.enabled = false }
        // As many queries on the wire as a batch can have names in flight.
        configuration.maxInFlight = 4096
        var options = FCrDNSOptions()
        options.maxNames = try args.integer("--max-names", default: 10, in: 1...100)
        options.timeout = .milliseconds(timeout)
        options.strict = args.flags.contains("--strict")
        if args.flags.contains("--both") { options.forwardTypes = .both }
        options.authservID = args.value("--authserv-id")
        return FCrDNSEvaluator(resolver: Resolver(configuration: configuration), options: options)
    }
}
