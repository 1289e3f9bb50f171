import DNSWire
@testable import FCrDNS

/// One scripted answer: the result to return, after an optional delay.
struct Scripted<Value: Sendable>: Sendable {
    var result: LookupResult<Value>
    var delay: Duration?

    init(_ outcome: LookupOutcome<Value>, cnameChain: [Name] = [], delay: Duration? = nil) {
        self.result = LookupResult(outcome, cnameChain: cnameChain)
        self.delay = delay
    }
}

/// A query the scripted resolver was asked, with the exact name octets.
struct Call: Hashable, Sendable {
    var name: Name
    var type: RecordType
}

/// Records calls in order.
actor CallLog {
    private(set) var calls: [Call] = []
    func record(_ call: Call) { calls.append(call) }
}

/// A resolver answering from tables; unscripted questions fail transiently
/// with "unscripted" so a test never passes by accident.
struct ScriptedResolver: FCrDNSResolver {
    struct Key: Hashable, Sendable {
        var name: Name
        var type: RecordType
    }

    var ptr: [Name: Scripted<[Name]>] = [:]
    var forward: [Key: Scripted<[IPAddress]>] = [:]
    let log = CallLog()

    init() {}

    mutating func setPTR(_ reverse: Name, _ outcome: LookupOutcome<[Name]>, cnameChain: [Name] = [],
                         delay: Duration? = nil) {
        ptr[reverse] = Scripted(outcome, cnameChain: cnameChain, delay: delay)
    }

    mutating func setPTR(for ip: IPAddress, _ names: [Name]) {
        setPTR(ip.normalized.reverseName, .found(names))
    }

    mutating func setAddresses(_ name: Name, _ type: RecordType = .a, _ outcome: LookupOutcome<[IPAddress]>,
                               cnameChain: [Name] = [], delay: Duration? = nil) {
        forward[Key(name: name, type: type)] = Scripted(outcome, cnameChain: cnameChain, delay: delay)
    }

    mutating func setAddresses(_ name: Name, _ type: RecordType = .a, _ addresses: [String]) {
        setAddresses(name, type, .found(addresses.map { IPAddress($0)! }))
    }

    func lookupPTR(_ reverseName: Name, deadline: ContinuousClock.Instant) async -> LookupResult<[Name]> {
        await answer(ptr[reverseName], name: reverseName, type: .ptr)
    }

    func lookupAddresses(_ name: Name, type: RecordType, deadline: ContinuousClock.Instant) async
        -> LookupResult<[IPAddress]>
    {
        await answer(forward[Key(name: name, type: type)], name: name, type: type)
    }

    private func answer<Value: Sendable>(_ scripted: Scripted<Value>?, name: Name, type: RecordType) async
        -> LookupResult<Value>
    {
        await log.record(Call(name: name, type: type))
        let start = ContinuousClock.now
        guard let scripted else {
            return LookupResult(.transient(.network("unscripted")),
                                trace: [trace(name, type, .error("unscripted"), start)])
        }
        if let delay = scripted.delay {
            try? await Task.sleep(for: delay)
            if Task.isCancelled {
                return LookupResult(.transient(.cancelled), trace: [trace(name, type, .abandoned, start)])
            }
        }
        var result = scripted.result
        let outcome: QueryTrace.Outcome
        switch result.outcome {
        case .found: outcome = .response(.noError, answerCount: 1)
        case .nodata: outcome = .response(.noError, answerCount: 0)
        case .nxdomain: outcome = .response(.nxDomain, answerCount: 0)
        case .transient(.errorResponse(let rcode)): outcome = .response(rcode, answerCount: 0)
        case .transient(.timeout): outcome = .timeout
        case .transient(let failure): outcome = .error(failure.description)
        }
        result.trace = [trace(name, type, outcome, start)]
        return result
    }

    private func trace(_ name: Name, _ type: RecordType, _ outcome: QueryTrace.Outcome,
                       _ start: ContinuousClock.Instant) -> QueryTrace {
        QueryTrace(name: name, type: type, server: "192.0.2.53:53", outcome: outcome, start: start,
                   duration: start.duration(to: .now))
    }
}

func ip(_ text: String) -> IPAddress { IPAddress(text)! }

/// Builds a name from raw labels (for octets the presentation parser would
/// need escapes for).
func rawName(_ labels: [[UInt8]]) -> Name { try! Name(labels: labels) }

/// Evaluates with a fresh evaluator.
func evaluate(_ resolver: ScriptedResolver, _ address: String, helo: String? = nil,
              options: FCrDNSOptions = FCrDNSOptions()) async -> FCrDNSResult {
    await FCrDNSEvaluator(resolver: resolver, options: options).evaluate(ip: ip(address), helo: helo)
}

/// A short deadline for tests that exercise it; assert verdicts, never timing.
/// Long enough that an immediate answer always beats it, even on two loaded
/// cores running the whole suite in parallel (1.5 s was seen to be cut).
let shortTimeout = Duration.milliseconds(4000)
/// Longer than any test's deadline: a lookup that sleeps this long is cut.
let forever = Duration.seconds(30)
