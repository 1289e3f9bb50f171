import DNSTransport
import DNSWire
import Synchronization

/// A cache key: the question, with the name compared case-insensitively.
struct CacheKey: Hashable, Sendable {
    let name: Name
    let type: RecordType
    let dnsClass: DNSClass

    init(_ question: Question) {
        name = question.name
        type = question.type
        dnsClass = question.dnsClass
    }

    /// The question, spelled as when the key was made.
    var question: Question { Question(name: name, type: type, dnsClass: dnsClass) }
}

/// Positive answers kept for their smallest TTL and negative answers
/// (NXDOMAIN, NODATA) for the RFC 2308 §5 negative TTL, bounded in entries.
///
/// Answers without an SOA are not cached negatively (RFC 2308 §5: no SOA, no
/// negative caching). Entries are evicted oldest-first when full.
final class ResolverCache: Sendable {
    private struct Entry {
        var answer: DNSAnswer
        // `Deadline`, not `ContinuousClock.Instant` (resilient): entries of a
        // fixed size, compared and copied without witness calls.
        var stored: Deadline
        var expires: Deadline
        var sequence: UInt64
    }

    private struct State {
        var entries: [CacheKey: Entry] = [:]
        /// Insertion order, for eviction (stale keys are skipped).
        var order: [(CacheKey, UInt64)] = []
        var orderStart = 0
        var sequence: UInt64 = 0
    }

    private let state = Mutex(State())
    let options: ResolverConfiguration.CacheOptions

    init(options: ResolverConfiguration.CacheOptions) {
        self.options = options
    }

    /// The cached answer, with every TTL lowered by the time it has spent in
    /// the cache, or nil when absent or expired.
    func lookup(_ key: CacheKey, now: Deadline) -> DNSAnswer? {
        state.withLock { state -> DNSAnswer? in
            guard let entry = state.entries[key] else { return nil }
            guard now < entry.expires else {
                state.entries[key] = nil
                return nil
            }
            let elapsed = UInt32(clamping: (now.nanoseconds &- entry.stored.nanoseconds) / 1_000_000_000)
            var answer = entry.answer
            answer.fromCache = true
            answer.server = nil
            answer.attempts = []
            answer.records = answer.records.map { var r = $0; r.ttl = r.ttl > elapsed ? r.ttl - elapsed : 0; return r }
            answer.cnameChain = answer.cnameChain.map { var r = $0; r.ttl = r.ttl > elapsed ? r.ttl - elapsed : 0; return r }
            if var soa = answer.soa {
                soa.ttl = soa.ttl > elapsed ? soa.ttl - elapsed : 0
                answer.soa = soa
            }
            return answer
        }
    }

    /// Stores an answer for as long as its TTLs allow.
    func store(_ answer: DNSAnswer, now: Deadline) {
        let ttl: UInt32
        if answer.isNXDomain || answer.isNoData {
            guard let negative = answer.negativeTTL else { return }
            ttl = min(negative, options.maxNegativeTTL)
        } else {
            let ttls = (answer.records + answer.cnameChain).map(\.ttl)
            ttl = min(ttls.min() ?? 0, options.maxTTL)
        }
        guard ttl > 0, options.maxEntries > 0 else { return }
        let key = CacheKey(answer.question)
        state.withLock { state in
            state.sequence += 1
            let sequence = state.sequence
            state.entries[key] = Entry(answer: answer, stored: now, expires: now + .seconds(Int64(ttl)), sequence: sequence)
            state.order.append((key, sequence))
            while state.entries.count > options.maxEntries, state.orderStart < state.order.count {
                let (oldKey, oldSequence) = state.order[state.orderStart]
                state.orderStart += 1
                if state.entries[oldKey]?.sequence == oldSequence { state.entries[oldKey] = nil }
            }
            // Compact the order list once half of it is consumed.
            if state.orderStart > 1024, state.orderStart * 2 > state.order.count {
                state.order.removeFirst(state.orderStart)
                state.orderStart = 0
            }
        }
    }

    /// The number of entries (expired ones included until looked up or evicted).
    var count: Int { state.withLock { $0.entries.count } }
}
