import DNSWire
import FCrDNS

/// Verdicts of recent clients, so the several RCPT requests of one SMTP
/// session (and a burst of sessions from one client) cost one evaluation.
///
/// Keyed by client address and HELO name. Evaluations of the same key in
/// flight are shared: the second asker waits for the first one's result.
/// Finished results are kept for `lifetime` (zero keeps none), at most
/// `capacity` of them; when full, expired entries go first, then the ones
/// closest to expiry.
///
/// An evaluation runs in its own task, so a connection that goes away (or a
/// shutdown that cancels the connections) does not cut short a result others
/// wait for; every evaluation ends by the evaluator's own deadline.
actor PolicyVerdictCache {
    struct Key: Hashable, Sendable {
        let ip: IPAddress
        let helo: String?
    }

    /// Where a result came from, for the log.
    enum Source: String, Sendable {
        /// Evaluated for this request.
        case evaluated
        /// Joined an evaluation another request had started.
        case shared
        /// A finished result from the cache.
        case cached
    }

    private enum Entry {
        case pending(Task<FCrDNSResult, Never>)
        case ready(FCrDNSResult, expires: ContinuousClock.Instant)
    }

    private let evaluator: FCrDNSEvaluator
    private let lifetime: Duration
    private let capacity: Int
    private var entries: [Key: Entry] = [:]
    private var readyCount = 0

    init(evaluator: FCrDNSEvaluator, lifetime: Duration, capacity: Int = 10_000) {
        self.evaluator = evaluator
        self.lifetime = lifetime
        self.capacity = max(1, capacity)
    }

    /// The verdict for `ip` and `helo`, evaluated now, shared, or cached.
    func result(ip: IPAddress, helo: String?) async -> (FCrDNSResult, Source) {
        let key = Key(ip: ip, helo: helo)
        let now = ContinuousClock.now
        switch entries[key] {
        case .ready(let result, let expires) where expires > now:
            return (result, .cached)
        case .ready:
            entries[key] = nil
            readyCount -= 1
        case .pending(let task):
            return (await task.value, .shared)
        case nil:
            break
        }
        let evaluator = self.evaluator
        // Detached: the evaluation runs on the global executor, not on this actor.
        let task = Task.detached { await evaluator.evaluate(ip: ip, helo: helo) }
        entries[key] = .pending(task)
        let result = await task.value
        store(result, for: key)
        return (result, .evaluated)
    }

    private func store(_ result: FCrDNSResult, for key: Key) {
        guard lifetime > .zero else {
            entries[key] = nil
            return
        }
        let now = ContinuousClock.now
        if readyCount >= capacity { evict(now: now) }
        entries[key] = .ready(result, expires: now.advanced(by: lifetime))
        readyCount += 1
    }

    /// Drops expired entries, then, if still full, the half closest to expiry.
    private func evict(now: ContinuousClock.Instant) {
        var ready: [(Key, ContinuousClock.Instant)] = []
        for (key, entry) in entries {
            guard case .ready(_, let expires) = entry else { continue }
            if expires <= now {
                entries[key] = nil
            } else {
                ready.append((key, expires))
            }
        }
        if ready.count >= capacity {
            ready.sort { $0.1 < $1.1 }
            for (key, _) in ready.prefix(ready.count - capacity / 2) { entries[key] = nil }
            ready.removeFirst(ready.count - capacity / 2)
        }
        readyCount = ready.count
    }
}
