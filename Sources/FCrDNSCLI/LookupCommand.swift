import DNSResolver
import DNSTransport
import DNSWire

/// `fcrdns lookup NAME|IP`: one query, printed like dig's answer section.
enum LookupCommand {
    static let help = """
        usage: fcrdns lookup NAME|IP [--type TYPE] [--server ADDR[:PORT]]... [--tcp] [--timeout MS] [--json]

        Asks for TYPE records of NAME (default A). An IP address with no --type asks
        for its PTR records under in-addr.arpa or ip6.arpa. CNAMEs in the answer are
        followed. NXDOMAIN and NODATA are answers and print as such.

        Exit status: 0 for an answer (also NXDOMAIN and NODATA), 1 when no server
        gave one (timeout, SERVFAIL, REFUSED, network error), 64 on a usage error.

        options:
          --type TYPE           record type: A, AAAA, PTR, MX, TXT, … or TYPE65280
          --json                print one JSON object (records in the shape of 'fcrdns decode')
        \(ResolverOptions.help)
          -h, --help            show this help
        """

    static func run(_ arguments: [String]) async throws(Arguments.UsageError) -> Int32 {
        let args = try Arguments(arguments, valued: ResolverOptions.valued.union(["--type"]),
                                 flags: ResolverOptions.flags.union(["--json", "--help", "-h"]))
        if args.flags.contains("--help") || args.flags.contains("-h") {
            Output.line(help)
            return 0
        }
        guard args.positionals.count == 1, let target = args.positionals.first else {
            throw Arguments.UsageError(message: "lookup needs exactly one NAME or IP")
        }
        var type = RecordType.a
        if let text = args.value("--type") {
            guard let parsed = RecordType(mnemonic: text) else { throw Arguments.UsageError(message: "unknown --type '\(text)'") }
            type = parsed
        }
        let name: Name
        if let address = IPAddress(target) {
            name = address.normalized.reverseName
            if args.value("--type") == nil { type = .ptr }
        } else {
            do throws(NameError) {
                name = try Name(parsing: target)
            } catch {
                throw Arguments.UsageError(message: "'\(target)' is neither an IP address nor a domain name: \(error)")
            }
        }
        let resolver = Resolver(configuration: try ResolverOptions.configuration(args))
        let json = args.flags.contains("--json")
        do throws(ResolverError) {
            let answer = try await resolver.query(name, type: type)
            Output.line(json ? jsonAnswer(answer) : textAnswer(answer))
            return 0
        } catch {
            Output.flush()
            Output.error("fcrdns lookup: \(error)")
            return 1
        }
    }

    static func textAnswer(_ answer: DNSAnswer) -> String {
        var lines: [String] = []
        let status = answer.isNXDomain ? "NXDOMAIN" : answer.isNoData ? "NODATA" : "NOERROR"
        let via = answer.attempts.last.map { " via \($0.server) \($0.transport.rawValue)" } ?? (answer.fromCache ? " (cached)" : "")
        lines.append(";; \(status)\(via)")
        lines.append(";\(answer.question)")
        for record in answer.cnameChain + answer.records { lines.append(MessageRendering.recordLine(record)) }
        if answer.records.isEmpty, let soa = answer.soa {
            lines.append(";; \(answer.isNXDomain ? "name does not exist" : "no \(answer.question.type) records"); SOA:")
            lines.append(MessageRendering.recordLine(soa))
        }
        return lines.joined(separator: "\n")
    }

    static func jsonAnswer(_ answer: DNSAnswer) -> String {
        var object = JSONObject()
        var question = JSONObject()
        question.set("name", answer.question.name.description)
        question.set("type", Int(answer.question.type.rawValue))
        question.set("class", Int(answer.question.dnsClass.rawValue))
        object.setRaw("question", question.text)
        object.set("rcode", Int(answer.rcode.rawValue))
        object.set("status", answer.isNXDomain ? "NXDOMAIN" : answer.isNoData ? "NODATA" : "NOERROR")
        object.set("canonical_name", answer.canonicalName.description)
        object.setRaw("answer", JSON.array((answer.cnameChain + answer.records).map(MessageRendering.json)))
        object.setRaw("authority", JSON.array(answer.soa.map { [MessageRendering.json($0)] } ?? []))
        if let server = answer.server { object.set("server", server.description) } else { object.setNull("server") }
        object.set("from_cache", answer.fromCache)
        object.setRaw("attempts", JSON.array(answer.attempts.map { JSON.quote($0.description) }))
        return object.text
    }
}
