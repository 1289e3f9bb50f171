// The forward-confirmed reverse DNS evaluation of RFC 8601 §3 ("iprev"),
// with the verdict rules of §2.7.3.

public import DNSWire

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
        let started = ContinuousClock.now
        let deadline = started.advanced(by: options.timeout)
        let client = ip.normalized
        let options = self.options
        let resolver = self.resolver
        var findings: [Finding] = []
        if case .v6(let v6) = ip, v6.ipv4Mapped != nil {
            findings.append(.ipv4MappedClient(v6))
            diagnostics?(.normalized(from: ip, to: client))
        }
        if let range = SpecialUseRange.containing(client) { findings.append(.specialUseAddress(range)) }

        // 1. PTR.
        let reverseName = client.reverseName
        var ptr = await Self.lookup(deadline: deadline, direct: resolver.enforcesDeadlines) {
            await resolver.lookupPTR(reverseName, deadline: deadline)
        }
        if case .found(let names) = ptr.outcome, names.isEmpty { ptr.outcome = .nodata }
        diagnostics?(.ptrLookup(reverseName: reverseName, result: ptr))
        var trace = ptr.trace

        func finish(_ verdict: FCrDNSVerdict, ptrNames: [Name] = [], evidence: [NameEvidence] = [],
                    leftOut: [Name] = [], findings: [Finding]) -> FCrDNSResult {
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
                trace: Self.ordered(trace), started: started, duration: started.duration(to: .now),
                options: options)
        }

        let received: [Name]
        switch ptr.outcome {
        case .nxdomain: return finish(.permerror(.ptrNXDOMAIN), findings: findings)
        case .nodata: return finish(.permerror(.ptrNODATA), findings: findings)
        case .transient(let failure): return finish(.temperror(.ptrLookup(failure)), findings: findings)
        case .found(let names): received = names
        }

        // 2. Deduplicate (ASCII case-insensitive, first spelling kept).
        var seen: Set<Name> = []
        var names: [Name] = []
        var duplicates: [Name] = []
        for name in received {
            if seen.insert(name).inserted { names.append(name) } else { duplicates.append(name) }
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
        diagnostics?(.namesSelected(checked: checked.map { names[$0] }, leftOut: leftOut.map { names[$0] },
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
            return finish(.permerror(.noUsableNames(discarded: discarded.map { names[$0] })), ptrNames: names,
                          evidence: evidence, findings: findings)
        }

        // 4. Forward lookups, all at once, under the shared deadline.
        let types: [RecordType]
        switch options.forwardTypes {
        case .both: types = [.a, .aaaa]
        case .matchingFamily: types = client.isIPv4 ? [.a] : [.aaaa]
        }
        let jobs = checked.flatMap { index in types.map { (index, $0) } }
        var results: [Int: [RecordType: LookupResult<[IPAddress]>]] = [:]
        await withTaskGroup(of: (Int, RecordType, LookupResult<[IPAddress]>).self) { group in
            for (index, type) in jobs {
                let name = names[index]
                group.addTask {
                    var result = await Self.lookup(deadline: deadline, direct: resolver.enforcesDeadlines) {
                        await resolver.lookupAddresses(name, type: type, deadline: deadline)
                    }
                    if case .found(let addresses) = result.outcome, addresses.isEmpty { result.outcome = .nodata }
                    diagnostics?(.forwardLookup(name: name, type: type, result: result))
                    return (index, type, result)
                }
            }
            for await (index, type, result) in group {
                results[index, default: [:]][type] = result
            }
        }

        // 5. Evidence and verdict.
        let checkedSet = Set(checked)
        var evidence: [NameEvidence] = []
        var confirmed: [ConfirmedName] = []
        var transientNames: [FCrDNSVerdict.TransientName] = []
        for index in names.indices {
            let name = names[index]
            guard checkedSet.contains(index) else {
                let status: NameEvidence.Status = discarded.contains(index) ? .discarded : .notChecked
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
        if !leftOut.isEmpty { findings.append(.namesLeftOut(leftOut.map { names[$0] }, limit: limit)) }

        let verdict: FCrDNSVerdict
        if !confirmed.isEmpty {
            verdict = .pass(confirmed)
        } else if !transientNames.isEmpty {
            verdict = .temperror(.forwardLookups(transientNames))
        } else {
            verdict = .fail(checked: checked.map { names[$0] })
        }
        return finish(verdict, ptrNames: names, evidence: evidence, leftOut: leftOut.map { names[$0] },
                      findings: findings)
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
        trace.enumerated().sorted { lhs, rhs in
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
        return await withTaskGroup(of: Race<Value>.self) { group in
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
