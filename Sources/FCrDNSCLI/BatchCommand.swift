#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import DNSWire
import FCrDNS
import DNSTransport

/// `fcrdns batch [FILE]`: many evaluations at once, one JSON line per input
/// line, in input order.
enum BatchCommand {
    static let help = """
        usage: fcrdns batch [FILE] [--concurrency N] [--format json|line] [--server ADDR[:PORT]]... [check options]

        Reads lines of 'IP [HELO]' from FILE (or standard input), evaluates them
        with up to N evaluations in flight (default 64), and prints one line per
        input line, in input order: a JSON object (the shape of 'fcrdns check
        --json'), or with --format line 'IP VERDICT REASON' (the reason as
        'fcrdns check' prints it). A line that cannot be read prints
        {"line":N,"input":"…","error":"…"} (or 'INPUT error REASON') and the run
        goes on; blank lines and lines starting with # are skipped. A summary per
        verdict and the rate go to standard error at the end, with a progress line
        while running when standard error is a terminal.

        Exit status: 0 when every line was read, 1 when some line was bad or the file
        could not be read, 64 on a usage error.

        options:
          --concurrency N       evaluations in flight (default 64)
          --format json|line    one JSON object per input (default), or one line of text
          --max-names N, --timeout MS, --strict, --both, --authserv-id ID: as for check
        \(EvaluationOptions.resolverHelp)
          -h, --help            show this help
        """

    /// One line of input, parsed.
    enum Item: Sendable {
        case evaluate(line: Int, ip: IPAddress, helo: String?)
        case bad(line: Int, input: String, error: String)
    }

    static func run(_ arguments: [String]) async throws(Arguments.UsageError) -> Int32 {
        let args = try Arguments(arguments, valued: EvaluationOptions.valued.union(["--concurrency", "--format"]),
                                 flags: EvaluationOptions.flags.union(["--help", "-h"]))
        if args.flags.contains("--help") || args.flags.contains("-h") {
            Output.line(help)
            return 0
        }
        guard args.positionals.count <= 1 else { throw Arguments.UsageError(message: "batch takes at most one FILE") }
        let concurrency = try args.integer("--concurrency", default: 64, in: 1...100_000)
        let lineFormat = try args.choice("--format", of: ["json", "line"]) == "line"
        let evaluator = try EvaluationOptions.evaluator(args)
        let path = args.positionals.first

        // Evaluations run on event loops, one per core, dealt out in turn:
        // a loop sees a response, and the evaluation it resumes runs on the
        // same thread, with no hand-off to another (EventLoop's TaskExecutor
        // conformance; the resolver's exchanges go to the loop the task runs
        // on). This loop, collecting results, runs on the first.
        let loops = [EventLoop.shared] + (1..<Self.loopCount).map { _ in EventLoop() }
        return await withTaskExecutorPreference(loops[0]) {
            await evaluateAll(path: path, evaluator: evaluator, concurrency: concurrency, lineFormat: lineFormat,
                              loops: loops)
        }
    }

    /// Event loops for a batch: one per online processor, 1 to 64.
    static var loopCount: Int {
        min(max(sysconf(Int32(_SC_NPROCESSORS_ONLN)), 1), 64)
    }

    /// Evaluates every line of the file at `path` (standard input for nil or
    /// `-`), printing results in input order.
    @concurrent
    static func evaluateAll(path: String?, evaluator: FCrDNSEvaluator, concurrency: Int,
                            lineFormat: Bool, loops: [EventLoop]) async -> Int32 {
        guard let reader = LineReader(path: path == "-" ? nil : path) else {
            Output.error("fcrdns batch: cannot read \(path ?? "standard input")")
            return 1
        }
        // Read on a thread of its own: this runs on an event loop, whose
        // thread must not wait for a slow pipe.
        guard let input = LineFeeder(reader) else {
            Output.error("fcrdns batch: cannot start a thread to read \(path ?? "standard input")")
            return 1
        }
        let clock = ContinuousClock()
        let started = clock.now
        var counts: [String: Int] = [:]
        var badLines = 0
        var done = 0
        let progress = Output.stderrIsTerminal
        var lineNumber = 0
        var exhausted = false
        var nextToLaunch = 0
        var nextToPrint = 0
        var pending: [Int: String] = [:]
        // Results may finish out of order; at most this many wait to be printed.
        let window = concurrency

        func nextItem() async -> Item? {
            while let line = await input.next() {
                lineNumber += 1
                let trimmed = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
                if trimmed.isEmpty || trimmed[0].hasPrefix("#") { continue }
                guard trimmed.count <= 2 else {
                    return .bad(line: lineNumber, input: line, error: "expected 'IP [HELO]'")
                }
                do throws(IPAddressParseError) {
                    let ip = try IPAddress(parsing: trimmed[0])
                    return .evaluate(line: lineNumber, ip: ip, helo: trimmed.count > 1 ? String(trimmed[1]) : nil)
                } catch {
                    return .bad(line: lineNumber, input: line, error: "not an IP address: \(error)")
                }
            }
            return nil
        }

        await withTaskGroup(of: (Int, String, String?).self) { group in
            var inFlight = 0
            while true {
                while !exhausted, inFlight < concurrency, nextToLaunch - nextToPrint < window {
                    guard let item = await nextItem() else {
                        exhausted = true
                        break
                    }
                    let index = nextToLaunch
                    nextToLaunch += 1
                    inFlight += 1
                    group.addTask(executorPreference: loops[index % loops.count]) {
                        switch item {
                        case .evaluate(_, let ip, let helo):
                            let result = await evaluator.evaluate(ip: ip, helo: helo)
                            let verdict = result.verdict.result.rawValue
                            let output = lineFormat ? "\(ip) \(verdict) \(result.reason)" : result.json
                            return (index, output, verdict)
                        case .bad(let line, let text, let error):
                            if lineFormat { return (index, "\(text) error \(error)", nil) }
                            var object = JSONObject()
                            object.set("line", line)
                            object.set("input", text)
                            object.set("error", error)
                            return (index, object.text, nil)
                        }
                    }
                }
                guard let (index, json, verdict) = await group.next() else { break }
                inFlight -= 1
                done += 1
                if let verdict { counts[verdict, default: 0] += 1 } else { badLines += 1 }
                pending[index] = json
                while let ready = pending.removeValue(forKey: nextToPrint) {
                    Output.line(ready)
                    nextToPrint += 1
                }
                if progress, done % 100 == 0 {
                    Output.error("\u{1B}[2K\r\(done) done, \(inFlight) in flight", newline: false)
                }
            }
        }
        Output.flush()
        let seconds = max((clock.now - started).secondsDouble, 1e-9)
        if progress { Output.error("\u{1B}[2K\r", newline: false) }
        let summary = ["pass", "fail", "permerror", "temperror"].map { "\($0) \(counts[$0, default: 0])" }
            + (badLines > 0 ? ["bad lines \(badLines)"] : [])
        Output.error("fcrdns batch: \(done) inputs in \(JSON.number(seconds)) s (\(JSON.number(Double(done) / seconds)) per second): "
            + summary.joined(separator: ", "))
        return badLines > 0 ? 1 : 0
    }
}

/// Reads lines from a file or standard input with getline(3).
final class LineReader {
    private let file: UnsafeMutablePointer<FILE>
    private let owned: Bool
    private var buffer: UnsafeMutablePointer<CChar>? = nil
    private var capacity = 0

    init?(path: String?) {
        if let path {
            guard let file = fopen(path, "r") else { return nil }
            self.file = file
            owned = true
        } else {
            file = stdin
            owned = false
        }
    }

    deinit {
        free(buffer)
        if owned { fclose(file) }
    }

    func next() -> String? {
        let length = getline(&buffer, &capacity, file)
        guard length >= 0, let buffer else { return nil }
        var line = String(decoding: UnsafeRawBufferPointer(start: buffer, count: length), as: UTF8.self)
        if line.hasSuffix("\n") { line.removeLast() }
        return line
    }
}

extension Duration {
    var secondsDouble: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
