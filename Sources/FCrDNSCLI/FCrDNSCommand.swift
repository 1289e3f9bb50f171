#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// The `fcrdns` command: decode captures, look names up, check clients.
@main
struct FCrDNSCommand {
    static let help = """
        usage: fcrdns <command> [options]

        commands:
          decode FILE...     print the DNS messages in pcap/pcapng/.tcpstream files as JSON
          lookup NAME|IP     ask a server for records (PTR for an IP), like dig
          check IP           forward-confirmed reverse DNS verdict for a client (RFC 8601 iprev)
          batch [FILE]       many checks at once: lines of 'IP [HELO]' in, JSON lines out
          policy             Postfix SMTPD policy service (check_policy_service)
          help               show this help

        Run 'fcrdns <command> --help' for the options of a command.
        """

    static func main() async {
        var arguments = Array(CommandLine.arguments.dropFirst())
        guard let command = arguments.first else {
            Output.error(help)
            exit(64)
        }
        arguments.removeFirst()
        let status: Int32
        do throws(Arguments.UsageError) {
            switch command {
            case "decode": status = try DecodeCommand.run(arguments)
            case "lookup": status = try await LookupCommand.run(arguments)
            case "check": status = try await CheckCommand.run(arguments)
            case "batch": status = try await BatchCommand.run(arguments)
            case "policy": status = try await PolicyCommand.run(arguments)
            case "help", "--help", "-h":
                Output.line(help)
                status = 0
            default:
                throw Arguments.UsageError(message: "unknown command '\(command)' (try 'fcrdns help')")
            }
        } catch {
            Output.flush()
            Output.error("fcrdns: \(error.message)")
            status = 64
        }
        Output.flush()
        exit(status)
    }
}
