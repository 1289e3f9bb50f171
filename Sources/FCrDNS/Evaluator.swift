// The forward-confirmed reverse DNS evaluation of RFC 8601 §3 ("iprev"),
// with the verdict rules of §2.7.3.

public import DNSWire
import DNSResolver
import DNSTransport

/// An event of one evaluation, for callers that want to trace it live.
public enum FCrDNSDiagnostic: Sendable {
    /// The client address was IPv4-mapped and is evaluated as IPv4.
    case normalized(from: IPAddress, to: IPAddress)
    /// The PTR lookup ended.
    case ptrLookup(reverseName: Name, result: LookupResult<[Name]>)
    /// The PTR names were sorted out: those to look up, those over the cap,
    /// those discarded by strict mode, and the duplicates dropped.
    case namesSelected(checked: [Name], leftOut: [Name], discarded: [Name], duplicates: [Name])
    /// One forward lookup ended (reported from concurrent tasks, in
    /// completion order).
    case forwardLookup(name: Name, type: RecordType, result: LookupResult<[IPAddress]>)
    /// The verdict was reached.
    case verdict(FCrDNSVerdict)
}

extension FCrDNSDiagnostic: CustomStringConvertible {
    /// One line of text.
    public var description: String {
        switch self {
        case .normalized(let from, let to):
            return "normalised \(from) to \(to)"
        case .ptrLookup(let name, let result):
            var line = "PTR \(name): \(result.outcome.kind)"
            if case .found(let names) = result.outcome { line += " " + names.map(\.description).joined(separator: " ") }
            if case .transient(let failure) = result.outcome { line += " (\(failure))" }
            if !result.cnameChain.isEmpty { line += " via " + result.cnameChain.map(\.description).joined(separator: " -> ") }
            return line
        case .namesSelected(let checked, let leftOut, let discarded, let duplicates):
            return "checking \(checked.count) name(s); \(leftOut.count) over the limit, \(discarded.count) discarded, "
                + "\(duplicates.count) duplicate(s)"
        case .forwardLookup(let name, let type, let result):
            var line = "\(type) \(name): \(result.outcome.kind)"
            if case .found(let addresses) = result.outcome {
                line += " " + addresses.map(\.description).joined(separator: " ")
            }
            if case .transient(let failure) = result.outcome { line += " (\(failure))" }
            return line
        case .verdict(let verdict):
            return "verdict \(verdict.result.rawValue)"
        }
    }
}

/// Evaluates forward-confirmed reverse DNS (FCrDNS, RFC 8601 "iprev") for
/// the address of an SMTP client.
///
/// ```swift
/// let evaluator = FCrDNSEvaluator(resolver: resolver)
/// let result = await evaluator.evaluate(ip: clientIP, helo: heloName)
/// switch result.verdict {
/// case .pass(let names): log("confirmed \(names[0].name)")
/// case .fail, .permerror: reject(result.smtpReply!)
/// case .temperror: deferWith(result.smtpReply!)
/// }
/// header("Authentication-Results", result.authenticationResultsHeaderValue ?? result.authenticationResults)
/// ```
///
/// The rules:
/// 1. An IPv4-mapped IPv6 address is evaluated as IPv4.
/// 2. PTR lookup of the reverse name. NXDOMAIN or NODATA → **permerror**
///    (which of the two is kept); a transient failure → **temperror**.
/// 3. The names are deduplicated ignoring ASCII case (first spelling kept).
///    Names that are not valid host names are reported as findings; in
///    strict mode they are discarded, and when none is left → **permerror**.
///    Only the first ``FCrDNSOptions/maxNames`` are looked up; the rest are
///    reported as left out.
/// 4. Every remaining name is resolved (A for IPv4, AAAA for IPv6, or both)
///    exactly as received, concurrently, under one deadline shared with the
///    PTR lookup. A lookup cut by the deadline is transient.
/// 5. **pass** when the client address is among the addresses of any name,
///    whatever happened to the other names; otherwise **temperror** when any
///    forward lookup failed transiently; otherwise **fail** (NXDOMAIN and
///    NODATA count as completed lookups).
public struct FCrDNSEvaluator: Sendable {
    /// Answers the DNS questions.
    public let resolver: any FCrDNSResolver
    /// The settings.
    public var options: FCrDNSOptions

    /// Creates an evaluator.
    public init(resolver: any FCrDNSResolver, options: FCrDNSOptions = FCrDNSOptions()) {
        self.resolver = resolver
        self.options = options
    }

    /// Evaluates `ip`, and relates `helo` (the HELO/EHLO argument, as sent)
    /// to the result when given.
    ///
    /// - Parameter diagnostics: called with each step as it happens, from
    ///   concurrent tasks; nil costs nothing.
    /// - Returns: the verdict with its evidence, findings and trace. Never
    ///   throws: every DNS outcome is part of the verdict.
    public func evaluate(ip: IPAddress, helo: String? = nil,
                         diagnostics: (@Sendable (FCrDNSDiagnostic) -> Void)? = nil) async -> FCrDNSResult {
        // Only the lookups are in this async function; the rest is done by
        // synchronous helpers, so their temporaries live on the thread's
        // stack and not in every evaluation's task frames while it waits.
        let context = Self.context(ip: ip, helo: helo, diagnostics: diagnostics, evaluator: self)
        // 1. PTR; 2 and 3 in `plan`.
        let plan = await Self.ptrLookup(context)
        if let settled = plan.settled { return settled }

        // 4. Forward lookups, all at once, under the shared deadline.
        let results = await Self.forwardLookups(plan, context: context)
        return Self.conclude(context, plan, results)
    }

    /// The context of one evaluation (out of line: its temporaries would
    /// otherwise be in the async frame).
    @inline(never)
    static func context(ip: IPAddress, helo: String?, diagnostics: (@Sendable (FCrDNSDiagnostic) -> Void)?,
                        evaluator: FCrDNSEvaluator) -> Context {
        Context(ip: ip, helo: helo, options: evaluator.options, diagnostics: diagnostics, resolver: evaluator.resolver)
    }

    /// The PTR lookup, and the plan made from its result (out of line, like
    /// every step here: each async function keeps a small frame of its own).
    @inline(never)
    static func ptrLookup(_ context: Context) async -> Plan {
        // The resolver is called here rather than through `lookup`'s closure:
        // one frame fewer in flight.
        guard let stub = context.stub, context.callsDirectly else { return await protocolPTRLookup(context) }
        return Self.plan(context, ptr: await stub.pointerLookup(context.reverseName, deadline: context.stubDeadline))
    }

    /// The PTR lookup through the ``FCrDNSResolver`` protocol.
    @inline(never)
    static func protocolPTRLookup(_ context: Context) async -> Plan {
        guard context.callsDirectly else { return await racedPTRLookup(context) }
        return Self.plan(context, ptr: await context.resolver.lookupPTR(context.reverseName, deadline: context.deadline))
    }

    /// The PTR lookup through ``lookup(deadline:direct:_:)``: raced against
    /// a timer, or cut short when the evaluation is already cancelled or late.
    @inline(never)
    static func racedPTRLookup(_ context: Context) async -> Plan {
        let resolver = context.resolver
        let deadline = context.deadline
        let reverseName = context.reverseName
        return Self.plan(context, ptr: await Self.lookup(deadline: deadline, direct: resolver.enforcesDeadlines) {
            await resolver.lookupPTR(reverseName, deadline: deadline)
        })
    }

    /// The forward lookups of a plan, concurrently when there are several.
    @inline(never)
    static func forwardLookups(_ plan: Plan, context: Context) async -> [Int: [RecordType: LookupResult<[IPAddress]>]] {
        guard plan.hasOneJob else {
            return await concurrentLookups(plan.jobs, names: plan.names) { name, type in
                await forward(name, type, context: context)
            }
        }
        // The usual case (one PTR name, one family): no child task, no
        // group, so an evaluation in flight holds one task's frames.
        return Self.results(of: plan, await forward(plan.names[plan.checked[0]], plan.types[0], context: context))
    }

    /// One forward lookup (out of line: one small frame, not a copy in
    /// every caller's).
    @inline(never)
    static func forward(_ name: Name, _ type: RecordType, context: Context) async -> LookupResult<[IPAddress]> {
        guard let stub = context.stub, context.callsDirectly else {
            return await protocolForward(name, type, context: context)
        }
        return await stub.forwardLookup(name, type, context: context)
    }

    /// A forward lookup through the ``FCrDNSResolver`` protocol.
    @inline(never)
    static func protocolForward(_ name: Name, _ type: RecordType, context: Context) async -> LookupResult<[IPAddress]> {
        guard context.callsDirectly else { return await racedForwardLookup(name, type, context: context) }
        return Self.finishForward(name, type, await context.resolver.lookupAddresses(name, type: type,
                                                                                      deadline: context.deadline),
                                  context: context)
    }

    /// A forward lookup through ``lookup(deadline:direct:_:)``.
    @inline(never)
    static func racedForwardLookup(_ name: Name, _ type: RecordType, context: Context) async -> LookupResult<[IPAddress]> {
        let resolver = context.resolver
        let deadline = context.deadline
        return Self.finishForward(name, type, await Self.lookup(deadline: deadline, direct: resolver.enforcesDeadlines) {
            await resolver.lookupAddresses(name, type: type, deadline: deadline)
        }, context: context)
    }

    /// A forward lookup's result as the evaluator keeps it (an empty answer
    /// is NODATA), reported to the diagnostics.
    @inline(never)
    static func finishForward(_ name: Name, _ type: RecordType, _ result: LookupResult<[IPAddress]>,
                              context: Context) -> LookupResult<[IPAddress]> {
        var result = result
        if case .found(let addresses) = result.outcome, addresses.isEmpty { result.outcome = .nodata }
        context.diagnostics?(.forwardLookup(name: name, type: type, result: result))
        return result
    }

    /// The results of a single forward lookup.
    @inline(never)
    static func results(of plan: Plan,
                        _ result: LookupResult<[IPAddress]>) -> [Int: [RecordType: LookupResult<[IPAddress]>]] {
        [plan.checked[0]: [plan.types[0]: result]]
    }

    /// Several forward lookups at once: the first in this task, each other in
    /// a child task (out of line, so that the task group stays out of the
    /// frame of the single-lookup case).
    @inline(never)
    static func concurrentLookups(
        _ jobs: [(Int, RecordType)], names: [Name],
        _ forward: @escaping @Sendable (Name, RecordType) async -> LookupResult<[IPAddress]>
    ) async -> [Int: [RecordType: LookupResult<[IPAddress]>]] {
        var results: [Int: [RecordType: LookupResult<[IPAddress]>]] = [:]
        guard let (firstIndex, firstType) = jobs.first else { return results }
        await withTaskGroup(of: (Int, RecordType, LookupResult<[IPAddress]>).self) { group in
            for (index, type) in jobs.dropFirst() {
                let name = names[index]
                group.addTask { (index, type, await forward(name, type)) }
            }
            // The first lookup runs in this task, beside the others: one
            // child task (and its memory) fewer per evaluation.
            results[firstIndex, default: [:]][firstType] = await forward(names[firstIndex], firstType)
            for await (index, type, result) in group {
                results[index, default: [:]][type] = result
            }
        }
        return results
    }

    /// What an evaluation knows before it sends anything. A class, so that
    /// the async frames of an evaluation in flight hold one reference to it.
    final class Context: Sendable {
        let ip: IPAddress
        let client: IPAddress
        let helo: String?
        let options: FCrDNSOptions
        let diagnostics: (@Sendable (FCrDNSDiagnostic) -> Void)?
        let started: ContinuousClock.Instant
        let deadline: ContinuousClock.Instant
        let reverseName: Name
        let resolver: any FCrDNSResolver
        /// The resolver when it is the library's own ``Resolver``: called
        /// directly, not through the protocol (its witness and the generic
        /// lookup behind it are two frames fewer in every lookup in flight).
        let stub: Resolver?
        /// ``deadline`` as the resolver's own deadline type.
        let stubDeadline: Deadline

        /// Whether a lookup may call the resolver directly now: it keeps
        /// deadlines itself, and the evaluation is neither cancelled nor late.
        /// (Out of line: inlined, its clock reading would be a task allocation.)
        var callsDirectly: Bool {
            @inline(never) get { resolver.enforcesDeadlines && !Task.isCancelled && ContinuousClock.now < deadline }
        }

        init(ip: IPAddress, helo: String?, options: FCrDNSOptions, diagnostics: (@Sendable (FCrDNSDiagnostic) -> Void)?,
             resolver: any FCrDNSResolver) {
            self.ip = ip
            self.client = ip.normalized
            self.helo = helo
            self.options = options
            self.diagnostics = diagnostics
            self.started = ContinuousClock.now
            self.deadline = started.advanced(by: options.timeout)
            self.reverseName = client.reverseName
            self.resolver = resolver
            self.stub = resolver as? Resolver
            self.stubDeadline = Deadline(deadline)
        }

        /// The result, with the HELO finding added when a HELO name was given.
        func finish(_ verdict: FCrDNSVerdict, ptr: LookupResult<[Name]>, trace: [QueryTrace], ptrNames: [Name] = [],
                    evidence: [NameEvidence] = [], leftOut: [Name] = [], findings: [Finding]) -> FCrDNSResult {
            var findings = findings
            if let helo {
                findings.append(.helo(HELOCheck.finding(helo: helo, client: client,
                                                        confirmed: verdict.confirmedNames, ptrNames: ptrNames)))
            }
            diagnostics?(.verdict(verdict))
            return FCrDNSResult(
                ip: client, originalIP: ip, helo: helo, verdict: verdict, reverseName: reverseName,
                ptrOutcome: ptr.outcome, ptrCNAMEChain: ptr.cnameChain, ptrNames: ptrNames,
                evidence: evidence, namesLeftOut: leftOut, findings: findings,
                trace: FCrDNSEvaluator.ordered(trace), started: started, duration: started.duration(to: .now),
                options: options)
        }
    }

    /// The names sorted out after the PTR lookup and the forward lookups to
    /// make, or the result when the PTR lookup settled it. A class, for the
    /// same reason as ``Context``.
    final class Plan: Sendable {
        let ptr: LookupResult<[Name]>
        let names: [Name]
        let problems: [HostNameProblem?]
        let checked: [Int]
        let leftOut: [Int]
        let discarded: [Int]
        let limit: Int
        let types: [RecordType]
        let findings: [Finding]
        /// The result, when no forward lookup is needed.
        let settled: FCrDNSResult?

        init(ptr: LookupResult<[Name]>, names: [Name] = [], problems: [HostNameProblem?] = [], checked: [Int] = [],
             leftOut: [Int] = [], discarded: [Int] = [], limit: Int = 0, types: [RecordType] = [],
             findings: [Finding] = [], settled: FCrDNSResult? = nil) {
            self.ptr = ptr
            self.names = names
            self.problems = problems
            self.checked = checked
            self.leftOut = leftOut
            self.discarded = discarded
            self.limit = limit
            self.types = types
            self.findings = findings
            self.settled = settled
        }

        /// Whether there is exactly one forward lookup: the first checked
        /// name, the first type.
        var hasOneJob: Bool { checked.count == 1 && types.count == 1 }

        /// One (name index, type) pair per forward lookup.
        var jobs: [(Int, RecordType)] { checked.flatMap { index in types.map { (index, $0) } } }
    }

    /// Steps 2 and 3: the verdict when the PTR lookup settles it, else the
    /// deduplicated names, their problems, the cap, and the findings so far.
    @inline(never)
    static func plan(_ context: Context, ptr: LookupResult<[Name]>) -> Plan {
        var ptr = ptr
        let client = context.client
        let options = context.options
        var findings: [Finding] = []
        if case .v6(let v6) = context.ip, v6.ipv4Mapped != nil {
            findings.append(.ipv4MappedClient(v6))
            context.diagnostics?(.normalized(from: context.ip, to: client))
        }
        if let range = SpecialUseRange.containing(client) { findings.append(.specialUseAddress(range)) }

        if case .found(let names) = ptr.outcome, names.isEmpty { ptr.outcome = .nodata }
        context.diagnostics?(.ptrLookup(reverseName: context.reverseName, result: ptr))

        func settle(_ verdict: FCrDNSVerdict) -> Plan {
            Plan(ptr: ptr, settled: context.finish(verdict, ptr: ptr, trace: ptr.trace, findings: findings))
        }
        let received: [Name]
        switch ptr.outcome {
        case .nxdomain: return settle(.permerror(.ptrNXDOMAIN))
        case .nodata: return settle(.permerror(.ptrNODATA))
        case .transient(let failure): return settle(.temperror(.ptrLookup(failure)))
        case .found(let names): received = names
        }

        // 2. Deduplicate (ASCII case-insensitive, first spelling kept). A
        // PTR set is nearly always a name or two: compared in place, without
        // a hash set's allocation, up to 16; a set beyond.
        var names: [Name] = []
        var duplicates: [Name] = []
        names.reserveCapacity(received.count)
        if received.count <= 16 {
            for name in received {
                if names.contains(name) { duplicates.append(name) } else { names.append(name) }
            }
        } else {
            var seen: Set<Name> = []
            for name in received {
                if seen.insert(name).inserted { names.append(name) } else { duplicates.append(name) }
            }
        }
        if !duplicates.isEmpty { findings.append(.duplicateNames(duplicates)) }

        // 3. Validity, strict mode, cap.
        let problems = names.map(HostNameCheck.problem(of:))
        for (name, problem) in zip(names, problems) {
            if let problem { findings.append(HostNameCheck.finding(for: name, problem: problem)) }
        }
        var candidates: [Int] = []
        var discarded: [Int] = []
        for index in names.indices {
            if options.strict, problems[index] != nil { discarded.append(index) } else { candidates.append(index) }
        }
        let limit = max(1, options.maxNames)
        let checked = Array(candidates.prefix(limit))
        let leftOut = Array(candidates.dropFirst(limit))
        context.diagnostics?(.namesSelected(checked: checked.map { names[$0] }, leftOut: leftOut.map { names[$0] },
                                            discarded: discarded.map { names[$0] }, duplicates: duplicates))

        for (index, name) in names.enumerated() where Self.mayLookGeneric(problems[index]) {
            let signals = GenericNameHeuristics.signals(for: name, client: client)
            if !signals.isEmpty { findings.append(.genericName(name, signals)) }
        }
        var domains: [Name] = []
        for (index, name) in names.enumerated() where Self.mayLookGeneric(problems[index]) {
            let domain = RegistrableDomain.of(name)
            if !domains.contains(domain) { domains.append(domain) }
        }
        if domains.count > 1 { findings.append(.multipleRegistrableDomains(domains)) }

        if checked.isEmpty {
            // Only reachable in strict mode with every name discarded.
            let evidence = names.indices.map {
                NameEvidence(name: names[$0], status: .discarded, lookups: [], problem: problems[$0])
            }
            let verdict = FCrDNSVerdict.permerror(.noUsableNames(discarded: discarded.map { names[$0] }))
            return Plan(ptr: ptr, settled: context.finish(verdict, ptr: ptr, trace: ptr.trace, ptrNames: names,
                                                          evidence: evidence, findings: findings))
        }

        let types: [RecordType]
        switch options.forwardTypes {
        case .both: types = [.a, .aaaa]
        case .matchingFamily: types = client.isIPv4 ? [.a] : [.aaaa]
        }
        return Plan(ptr: ptr, names: names, problems: problems, checked: checked, leftOut: leftOut, discarded: discarded,
                    limit: limit, types: types, findings: findings)
    }

    /// Step 5: evidence per name and the verdict.
    @inline(never)
    static func conclude(_ context: Context, _ plan: Plan,
                         _ results: [Int: [RecordType: LookupResult<[IPAddress]>]]) -> FCrDNSResult {
        let client = context.client
        let names = plan.names
        let problems = plan.problems
        let types = plan.types
        var findings = plan.findings
        var trace = plan.ptr.trace
        // At most `maxNames` indices, in order: searched in place, no set.
        let checked = plan.checked
        var evidence: [NameEvidence] = []
        var confirmed: [ConfirmedName] = []
        var transientNames: [FCrDNSVerdict.TransientName] = []
        for index in names.indices {
            let name = names[index]
            guard checked.contains(index) else {
                let status: NameEvidence.Status = plan.discarded.contains(index) ? .discarded : .notChecked
                evidence.append(NameEvidence(name: name, status: status, lookups: [], problem: problems[index]))
                continue
            }
            var lookups: [ForwardLookup] = []
            for type in types {
                let result = results[index]?[type] ?? LookupResult(.transient(.cancelled))
                trace.append(contentsOf: result.trace)
                lookups.append(ForwardLookup(type: type, outcome: result.outcome, cnameChain: result.cnameChain))
                if let canonical = result.canonicalName, !findings.contains(.aliasTarget(name, canonical: canonical)) {
                    findings.append(.aliasTarget(name, canonical: canonical))
                }
            }
            let status = Self.status(of: lookups, client: client)
            switch status {
            case .confirmed(let match):
                confirmed.append(ConfirmedName(name: name, address: match.address, recordType: match.type,
                                               cnameChain: match.cnameChain))
            case .other(.transient(let failure)):
                let type = lookups.first { !$0.outcome.isCompleted }?.type ?? types[0]
                transientNames.append(.init(name: name, type: type, failure: failure))
            case .other:
                break
            }
            evidence.append(NameEvidence(name: name, status: status.evidenceStatus, lookups: lookups,
                                         problem: problems[index]))
        }
        if !plan.leftOut.isEmpty { findings.append(.namesLeftOut(plan.leftOut.map { names[$0] }, limit: plan.limit)) }

        let verdict: FCrDNSVerdict
        if !confirmed.isEmpty {
            verdict = .pass(confirmed)
        } else if !transientNames.isEmpty {
            verdict = .temperror(.forwardLookups(transientNames))
        } else {
            verdict = .fail(checked: plan.checked.map { names[$0] })
        }
        return context.finish(verdict, ptr: plan.ptr, trace: trace, ptrNames: names, evidence: evidence,
                              leftOut: plan.leftOut.map { names[$0] }, findings: findings)
    }

    /// Names with these problems are still host-like enough for the generic
    /// and registrable-domain heuristics (numeric and reverse names are not).
    static func mayLookGeneric(_ problem: HostNameProblem?) -> Bool {
        switch problem {
        case nil, .invalidOctet, .leadingHyphen, .trailingHyphen: return true
        case .root, .numeric, .reverseTree: return false
        }
    }

    struct Match {
        var address: IPAddress
        var type: RecordType
        var cnameChain: [Name]
    }

    enum CombinedStatus {
        case confirmed(Match)
        case other(NameEvidence.Status)

        var evidenceStatus: NameEvidence.Status {
            switch self {
            case .confirmed: return .confirmed
            case .other(let status): return status
            }
        }
    }

    /// Combines the lookups of one name: a match anywhere confirms; else a
    /// transient failure anywhere; else addresses (mismatch); else NXDOMAIN
    /// when every lookup said so; else NODATA.
    static func status(of lookups: [ForwardLookup], client: IPAddress) -> CombinedStatus {
        for lookup in lookups {
            if case .found(let addresses) = lookup.outcome,
               let match = addresses.first(where: { $0.normalized == client }) {
                return .confirmed(Match(address: match, type: lookup.type, cnameChain: lookup.cnameChain))
            }
        }
        for lookup in lookups {
            if case .transient(let failure) = lookup.outcome { return .other(.transient(failure)) }
        }
        if lookups.contains(where: { if case .found = $0.outcome { return true } else { return false } }) {
            return .other(.mismatch)
        }
        if lookups.allSatisfy({ $0.outcome == .nxdomain }) { return .other(.nxdomain) }
        return .other(.nodata)
    }

    /// The trace sorted by start time (stable for equal starts).
    static func ordered(_ trace: [QueryTrace]) -> [QueryTrace] {
        // Usually already in order (the PTR query, then the forward ones).
        if zip(trace, trace.dropFirst()).allSatisfy({ $0.start <= $1.start }) { return trace }
        return trace.enumerated().sorted { lhs, rhs in
            lhs.element.start != rhs.element.start ? lhs.element.start < rhs.element.start : lhs.offset < rhs.offset
        }.map(\.element)
    }

    private enum Race<Value: Sendable>: Sendable {
        case lookup(LookupResult<Value>)
        case timer(TransientFailure)
    }

    /// Runs one lookup against the deadline. When the deadline passes first
    /// (or the evaluation is cancelled) the lookup is cancelled, awaited, and
    /// its outcome replaced by `.transient(.deadline)` (or `.cancelled`);
    /// its trace and CNAME chain are kept.
    static func lookup<Value: Sendable>(
        deadline: ContinuousClock.Instant,
        direct: Bool = false,
        _ operation: @escaping @Sendable () async -> LookupResult<Value>
    ) async -> LookupResult<Value> {
        if Task.isCancelled { return LookupResult(.transient(.cancelled)) }
        if ContinuousClock.now >= deadline { return LookupResult(.transient(.deadline)) }
        // A resolver that keeps deadlines itself needs no timer task per lookup.
        if direct { return await operation() }
        return await race(deadline: deadline, operation)
    }

    /// Runs `operation` against a timer task (for resolvers that do not keep
    /// deadlines themselves). Kept out of line so that its task group is not
    /// part of the frames of every direct lookup.
    @inline(never)
    static func race<Value: Sendable>(
        deadline: ContinuousClock.Instant,
        _ operation: @escaping @Sendable () async -> LookupResult<Value>
    ) async -> LookupResult<Value> {
        await withTaskGroup(of: Race<Value>.self) { group in
            group.addTask { .lookup(await operation()) }
            group.addTask {
                do {
                    try await Task.sleep(until: deadline, clock: .continuous)
                    return .timer(.deadline)
                } catch {
                    return .timer(.cancelled)
                }
            }
            var cut: TransientFailure?
            while let next = await group.next() {
                switch next {
                case .lookup(var result):
                    group.cancelAll()
                    if let cut { result.outcome = .transient(cut) }
                    return result
                case .timer(let failure):
                    cut = failure
                    group.cancelAll()
                }
            }
            return LookupResult(.transient(cut ?? .cancelled))
        }
    }
}
