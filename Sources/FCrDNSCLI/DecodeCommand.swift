import DNSCapture
import DNSWire

/// `fcrdns decode FILE...`: every DNS message in packet captures (pcap,
/// pcapng) or `.tcpstream` files, one JSON object per line.
enum DecodeCommand {
    static let help = """
        usage: fcrdns decode [--format json|text] [--port N]... [--tcpstream] FILE...

        Prints every DNS message found in the files, in the order found: one JSON
        object per line (default), or a dig-like view with --format text.

        Reads pcap (either byte order, micro- or nanosecond), pcapng, and
        .tcpstream files (2-byte big-endian length + message, repeated; chosen
        automatically for a file with no capture magic, or forced with --tcpstream).
        UDP and TCP (reassembled, length-framed) on port 53 are read; add other
        ports with --port (the project's fixtures use 35353 and 35354).

        A message that does not decode prints {"error":"<case>","offset":N} and the
        run goes on. Exit status 0 when every file was read, 1 when a file could not
        be read or was damaged (a line on stderr says which), 64 on a usage error.

        options:
          --format json|text   output format (default json)
          --port N             also read DNS on port N (repeatable)
          --tcpstream          read every file as a .tcpstream file
          -h, --help           show this help
        """

    static func run(_ arguments: [String]) throws(Arguments.UsageError) -> Int32 {
        let args = try Arguments(arguments, valued: ["--format", "--port"], flags: ["--tcpstream", "--help", "-h"])
        if args.flags.contains("--help") || args.flags.contains("-h") {
            Output.line(help)
            return 0
        }
        let format = try args.choice("--format", of: ["json", "text"])
        var ports: Set<UInt16> = [53]
        for text in args.values["--port"] ?? [] {
            guard let port = UInt16(text), port > 0 else { throw Arguments.UsageError(message: "bad --port '\(text)'") }
            ports.insert(port)
        }
        guard !args.positionals.isEmpty else { throw Arguments.UsageError(message: "decode needs at least one FILE") }

        var status: Int32 = 0
        let options = CaptureOptions(dnsPorts: ports, unrecognizedAsTCPStream: true)
        for path in args.positionals {
            let result: CaptureReadResult
            do {
                result = try CaptureFile.messages(atPath: path, format: args.flags.contains("--tcpstream") ? .tcpStream : nil,
                                                  options: options)
            } catch {
                Output.flush()
                Output.error("fcrdns decode: \(path): \(error)")
                status = 1
                continue
            }
            for captured in result.messages {
                let decoded = Result { () throws(DNSDecodeError) in try Message(decoding: captured.bytes) }
                switch (decoded, format) {
                case (.success(let message), "json"):
                    Output.line(MessageRendering.json(message))
                case (.failure(let error), "json"):
                    Output.line(MessageRendering.json(error))
                case (.success(let message), _):
                    Output.line(header(captured, path: path))
                    Output.line(MessageRendering.text(message))
                    Output.line("")
                case (.failure(let error), _):
                    Output.line(header(captured, path: path))
                    Output.line(";; undecodable message: \(error)")
                    Output.line("")
                }
            }
            if let error = result.error {
                Output.flush()
                Output.error("fcrdns decode: \(path): damaged after \(result.messages.count) messages: \(error)")
                status = 1
            }
        }
        return status
    }

    static func header(_ captured: CapturedMessage, path: String) -> String {
        var parts = [";; \(path) frame \(captured.frame)", "\(captured.transport)"]
        if let source = captured.source, let destination = captured.destination {
            parts.append("\(source) -> \(destination)")
        }
        parts.append("\(captured.bytes.count) bytes")
        return parts.joined(separator: "  ")
    }
}
