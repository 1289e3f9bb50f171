#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import DNSCapture
import DNSWire
import FCrDNS
import MallocCounter

/// `fcrdns-bench`: times the codec on a corpus and prints one JSON line per
/// measurement, in the shape ../shared/peers/run_all.sh prints for other DNS
/// libraries, so the numbers can be set side by side.
@main
struct Bench {
    static let usage = """
        usage: fcrdns-bench decode FILE [--port N]     decode / round-trip ns per message, allocations per decode
               fcrdns-bench ptr FILE [--port N]        the same over the PTR responses in FILE only
               fcrdns-bench decode-reuse FILE          the same, decoding every message into one Message
                                                        (Message.decode(_:) reuses its arrays), as peer "fcrdns+reuse"
               fcrdns-bench reverse                    reverse-name construction (IPv4, IPv6)
               fcrdns-bench check-allocations [FILE]   allocations per operation against Thresholds/allocations.tsv;
                                                        exits 1 when one is above its threshold
               fcrdns-bench profile-decode FILE ROUNDS  decode (or profile-roundtrip: decode + encode; profile-reuse:
                                                        decode into one Message) ROUNDS times,
                                                        untimed, for valgrind --tool=callgrind
        FILE is a .tcpstream, pcap or pcapng file. Environment: BENCH_TARGET_S (seconds per timed phase,
        default 1.0), BENCH_REPEATS (timed repeats, median reported; default 5).
        """

    static func main() async {
        let args = Array(CommandLine.arguments.dropFirst())
        guard let mode = args.first else { fail(usage) }
        switch mode {
        case "decode", "ptr":
            guard args.count >= 2 else { fail(usage) }
            var ports: Set<UInt16> = [53, 35353, 35354]
            if let i = args.firstIndex(of: "--port"), i + 1 < args.count, let p = UInt16(args[i + 1]) { ports.insert(p) }
            var messages = load(args[1], ports: ports)
            if mode == "ptr" {
                messages = messages.filter { bytes in
                    guard let m = try? Message(decoding: bytes) else { return false }
                    return m.header.isResponse && m.answers.contains { $0.type == .ptr }
                }
            }
            guard !messages.isEmpty else { fail("no messages in \(args[1])") }
            codec(messages, corpus: baseName(args[1]) + (mode == "ptr" ? "#ptr-responses" : ""))
        case "decode-reuse":
            guard args.count >= 2 else { fail(usage) }
            let messages = load(args[1], ports: [53, 35353, 35354])
            guard !messages.isEmpty else { fail("no messages in \(args[1])") }
            codecReusing(messages, corpus: baseName(args[1]))
        case "reverse":
            reverse()
        case "check-allocations":
            await checkAllocations(thresholdsPath: args.count >= 2 ? args[1] : "Thresholds/allocations.tsv")
        case "profile-reuse":
            guard args.count >= 3, let rounds = Int(args[2]) else { fail(usage) }
            let messages = load(args[1], ports: [53, 35353, 35354])
            var message = Message()
            var sink = 0
            for _ in 0..<rounds {
                for bytes in messages {
                    do {
                        try message.decode(bytes)
                        sink &+= message.answers.count
                    } catch {}
                }
            }
            if sink == 42 { print("") }
        case "profile-decode", "profile-roundtrip":
            // For callgrind: a fixed number of rounds, no timing.
            guard args.count >= 3, let rounds = Int(args[2]) else { fail(usage) }
            let messages = load(args[1], ports: [53, 35353, 35354])
            var sink = 0
            for _ in 0..<rounds {
                for bytes in messages {
                    do {
                        let m = try Message(decoding: bytes)
                        sink &+= mode == "profile-decode" ? m.answers.count : m.encoded().count
                    } catch {}
                }
            }
            if sink == 42 { print("") }
        default:
            fail(usage)
        }
    }

    static func fail(_ text: String) -> Never {
        fputs(text + "\n", stderr)
        exit(64)
    }

    static func baseName(_ path: String) -> String { String(path.split(separator: "/").last ?? Substring(path)) }

    static func load(_ path: String, ports: Set<UInt16>) -> [[UInt8]] {
        do {
            let result = try CaptureFile.messages(atPath: path, options: CaptureOptions(dnsPorts: ports, unrecognizedAsTCPStream: true))
            return result.messages.map(\.bytes)
        } catch {
            fail("cannot read \(path): \(error)")
        }
    }

    static var targetSeconds: Double { Double(String(cString: getenv("BENCH_TARGET_S") ?? strdup("1.0"))) ?? 1.0 }
    static var repeats: Int { Int(String(cString: getenv("BENCH_REPEATS") ?? strdup("5"))) ?? 5 }

    /// Median ns per item of `body` run over `count` items, after a calibration
    /// round that picks how many rounds fill the target time.
    static func measure(items count: Int, _ body: () -> Void) -> Double {
        fcrdns_malloc_counting(0)
        defer { fcrdns_malloc_counting(1) }
        let clock = ContinuousClock()
        let calibration = clock.measure { body() }
        let perRound = max(calibration.seconds, 1e-7)
        let rounds = max(1, Int(targetSeconds / Double(repeats) / perRound))
        var samples: [Double] = []
        for _ in 0..<repeats {
            let elapsed = clock.measure { for _ in 0..<rounds { body() } }
            samples.append(elapsed.seconds * 1e9 / Double(rounds * count))
        }
        samples.sort()
        return samples[samples.count / 2]
    }

    static func codec(_ messages: [[UInt8]], corpus: String) {
        // Check pass.
        var ok = 0
        var decodedMessages: [Message] = []
        for bytes in messages {
            if let m = try? Message(decoding: bytes) {
                ok += 1
                decodedMessages.append(m)
            }
        }
        // Allocations per decode, over the messages that decode.
        var sink = 0
        let decodable = messages.filter { (try? Message(decoding: $0)) != nil }
        let before = fcrdns_malloc_count()
        for bytes in decodable {
            if let m = try? Message(decoding: bytes) { sink &+= m.answers.count }
        }
        let allocs = Double(fcrdns_malloc_count() - before) / Double(max(decodable.count, 1))

        let decodeNs = measure(items: messages.count) {
            for bytes in messages {
                do { sink &+= try Message(decoding: bytes).questions.count } catch {}
            }
        }
        let roundtripNs = measure(items: messages.count) {
            for bytes in messages {
                do { sink &+= try Message(decoding: bytes).encoded().count } catch {}
            }
        }
        let encodeNs = measure(items: decodedMessages.count) {
            for m in decodedMessages { sink &+= m.encoded().count }
        }
        let inBytes = decodable.reduce(0) { $0 + $1.count }
        let outBytes = decodedMessages.reduce(0) { $0 + $1.encoded().count }
        let encodeAllocsBefore = fcrdns_malloc_count()
        for m in decodedMessages { sink &+= m.encoded().count }
        let encodeAllocs = Double(fcrdns_malloc_count() - encodeAllocsBefore) / Double(max(decodedMessages.count, 1))
        print("{\"peer\":\"fcrdns\",\"corpus\":\"\(corpus)\",\"messages\":\(messages.count),\"decode_ok\":\(ok),"
            + "\"decode_ns_per_msg\":\(fmt(decodeNs)),\"roundtrip_ns_per_msg\":\(fmt(roundtripNs)),"
            + "\"allocs_per_decode\":\(fmt(allocs))}")
        print("{\"peer\":\"fcrdns\",\"corpus\":\"\(corpus)\",\"encode_ns_per_msg\":\(fmt(encodeNs)),"
            + "\"allocs_per_encode\":\(fmt(encodeAllocs)),\"reencode_in_bytes\":\(inBytes),\"reencode_out_bytes\":\(outBytes)}")
        if sink == 42 { print("") }
    }

    /// Decode, and decode + encode, into one reused ``Message`` (the peers'
    /// shape, as "fcrdns+reuse": the counterpart of "libknot+arena").
    static func codecReusing(_ messages: [[UInt8]], corpus: String) {
        var sink = 0
        var message = Message()
        var ok = 0
        for bytes in messages {
            do {
                try message.decode(bytes)
                ok += 1
            } catch {}
        }
        let before = fcrdns_malloc_count()
        for bytes in messages {
            do { try message.decode(bytes) } catch {}
        }
        let allocs = Double(fcrdns_malloc_count() - before) / Double(messages.count)
        let decodeNs = measure(items: messages.count) {
            for bytes in messages {
                do {
                    try message.decode(bytes)
                    sink &+= message.questions.count
                } catch {}
            }
        }
        let roundtripNs = measure(items: messages.count) {
            for bytes in messages {
                do {
                    try message.decode(bytes)
                    sink &+= message.encoded().count
                } catch {}
            }
        }
        print("{\"peer\":\"fcrdns+reuse\",\"corpus\":\"\(corpus)\",\"messages\":\(messages.count),\"decode_ok\":\(ok),"
            + "\"decode_ns_per_msg\":\(fmt(decodeNs)),\"roundtrip_ns_per_msg\":\(fmt(roundtripNs)),"
            + "\"allocs_per_decode\":\(fmt(allocs))}")
        if sink == 42 { print("") }
    }

    static func reverse() {
        var sink = 0
        let v4 = (0..<1024).map { IPv4Address(rawValue: UInt32(truncatingIfNeeded: $0 &* 2_654_435_761)) }
        let v6 = (0..<1024).map { IPv6Address(high: 0x2001_0db8_0000_0000 | UInt64($0), low: UInt64($0) &* 0x9E37_79B9_7F4A_7C15) }
        for (family, run) in [("ipv4", { for a in v4 { sink &+= a.reverseName.wireLength } }),
                              ("ipv6", { for a in v6 { sink &+= a.reverseName.wireLength } })] as [(String, () -> Void)] {
            let before = fcrdns_malloc_count()
            run()
            let allocs = Double(fcrdns_malloc_count() - before) / 1024
            let ns = measure(items: 1024, run)
            print("{\"peer\":\"fcrdns\",\"benchmark\":\"reverse_name_\(family)\",\"ns_per_name\":\(fmt(ns)),\"allocs_per_name\":\(fmt(allocs))}")
        }
        if sink == 42 { print("") }
    }

    /// Allocation counts are deterministic, so they can gate CI (swift-nio and
    /// swift-certificates do the same); times never do.
    static func checkAllocations(thresholdsPath: String) async {
        guard let file = fopen(thresholdsPath, "r") else { fail("cannot read \(thresholdsPath)") }
        defer { fclose(file) }
        var thresholds: [(String, Double)] = []
        var line: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        while getline(&line, &capacity, file) > 0, let line {
            let text = String(cString: line).split(separator: "#")[0]
            let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
            if fields.count == 2, let limit = Double(fields[1]) { thresholds.append((String(fields[0]), limit)) }
        }
        free(line)
        let measured = allocationFigures().merging(await evaluationAllocationFigures()) { $1 }
        var failed = false
        for (name, limit) in thresholds {
            guard let value = measured[name] else { fail("unknown measurement \(name)") }
            // A few one-time allocations of the runtime can land inside the
            // measured rounds; 0.01 per operation is far below one real allocation.
            let ok = value <= limit + 0.01
            failed = failed || !ok
            print("\(ok ? "ok  " : "FAIL") \(name) \(value) (threshold \(fmt(limit)))")
        }
        exit(failed ? 1 : 0)
    }

    /// Allocations per operation on fixed inputs built here (no files needed).
    static func allocationFigures() -> [String: Double] {
        func count(_ rounds: Int, _ body: () -> Void) -> Double {
            for _ in 0..<10 { body() }  // warm up lazily initialised state
            let before = fcrdns_malloc_count()
            for _ in 0..<rounds { body() }
            return Double(fcrdns_malloc_count() - before) / Double(rounds)
        }
        var header = Header(id: 0x1234)
        header.isResponse = true
        header.recursionDesired = true
        header.recursionAvailable = true
        let ptrName = IPv4Address(192, 0, 2, 25).reverseName
        let ptr = Message(header: header, questions: [Question(name: ptrName, type: .ptr)],
                          answers: [ResourceRecord(name: ptrName, ttl: 300, data: .ptr(try! Name(parsing: "mail.example.test.")))],
                          edns: EDNS()).encoded()
        let host = try! Name(parsing: "mail.example.test.")
        let a = Message(header: header, questions: [Question(name: host, type: .a)],
                        answers: [ResourceRecord(name: host, ttl: 300, data: .a(IPv4Address(192, 0, 2, 25))),
                                  ResourceRecord(name: host, ttl: 300, data: .a(IPv4Address(192, 0, 2, 26)))],
                        edns: EDNS()).encoded()
        let aaaa = Message(header: header, questions: [Question(name: host, type: .aaaa)],
                           answers: [ResourceRecord(name: host, ttl: 300, data: .aaaa(IPv6Address(high: 0x2001_0db8_0000_0000, low: 0x25)))],
                           edns: EDNS()).encoded()
        var sink = 0
        let decodedPTR = try! Message(decoding: ptr)
        var reused = Message()
        let v6 = IPv6Address(high: 0x2001_0db8_0000_0000, low: 0x25)
        let figures: [String: Double] = [
            "decode_ptr_response": count(1000) { sink &+= (try? Message(decoding: ptr))?.answers.count ?? 0 },
            "decode_a_response": count(1000) { sink &+= (try? Message(decoding: a))?.answers.count ?? 0 },
            "decode_aaaa_response": count(1000) { sink &+= (try? Message(decoding: aaaa))?.answers.count ?? 0 },
            "decode_reuse_ptr_a_aaaa": count(1000) {
                do {
                    try reused.decode(ptr)
                    try reused.decode(a)
                    try reused.decode(aaaa)
                    sink &+= reused.answers.count
                } catch {}
            },
            "encode_ptr_response": count(1000) { sink &+= decodedPTR.encoded().count },
            "build_and_encode_query": count(1000) { sink &+= Message.query(id: 1, name: host, type: .a).encoded().count },
            "reverse_name_ipv4": count(1000) { sink &+= IPv4Address(192, 0, 2, 25).reverseName.wireLength },
            "reverse_name_ipv6": count(1000) { sink &+= v6.reverseName.wireLength },
        ]
        if sink == 42 { print("") }
        return figures
    }

    /// Allocations per FCrDNS evaluation with answers from a table
    /// (``TableResolver``): the evaluator's own work (context, plan, host-name
    /// checks, verdict, evidence, findings, trace), without the transport's.
    /// Nothing suspends, so the count is as deterministic as the codec's.
    static func evaluationAllocationFigures() async -> [String: Double] {
        let client = IPAddress.v4(IPv4Address(192, 0, 2, 25))
        let host = try! Name(parsing: "mail.example.test.")
        let start = ContinuousClock.now
        func trace(_ name: Name, _ type: RecordType) -> [QueryTrace] {
            [QueryTrace(name: name, type: type, server: "127.0.0.1:35354",
                        outcome: .response(.noError, answerCount: 1), start: start, duration: .microseconds(90))]
        }
        let resolver = TableResolver(
            ptr: LookupResult(.found([host]), trace: trace(client.reverseName, .ptr)),
            addresses: LookupResult(.found([client]), trace: trace(host, .a)))
        let evaluator = FCrDNSEvaluator(resolver: resolver)
        // In a task on the global executor, where the evaluator's functions
        // run: from the main actor every call would hop there and back, and
        // the hops' dispatch allocations come and go with the threads' caches.
        let pass = await Task.detached {
            var sink = 0
            for _ in 0..<10 { sink &+= await evaluator.evaluate(ip: client).findings.count }
            let rounds = 1000
            let before = fcrdns_malloc_count()
            for _ in 0..<rounds { sink &+= await evaluator.evaluate(ip: client).findings.count }
            if sink == 42 { print("") }
            return Double(fcrdns_malloc_count() - before) / Double(rounds)
        }.value
        return ["evaluate_pass_one_name": pass]
    }

    static func fmt(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}

extension Duration {
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) * 1e-18
    }
}

/// Fixed answers, returned at once: what an evaluation allocates by itself.
struct TableResolver: FCrDNSResolver {
    let ptr: LookupResult<[Name]>
    let addresses: LookupResult<[IPAddress]>
    /// Answers come at once, so the evaluator needs no timer task beside them
    /// (as with the library's own resolver, which enforces deadlines itself).
    var enforcesDeadlines: Bool { true }

    func lookupPTR(_ reverseName: Name, deadline: ContinuousClock.Instant) async -> LookupResult<[Name]> { ptr }

    func lookupAddresses(_ name: Name, type: RecordType, deadline: ContinuousClock.Instant) async
        -> LookupResult<[IPAddress]> { addresses }
}
