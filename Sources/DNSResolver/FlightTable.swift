import DNSWire
import Synchronization

/// Merges identical questions already in flight: the first asker does the
/// work in its own task; later askers wait for the same result.
///
/// A waiter that is cancelled stops waiting at once; a caller joins only
/// work that will end by its own deadline. If the first asker is cancelled, its work ends with
/// ``ResolverError/cancelled``; waiters that were not cancelled themselves
/// then ask again rather than inherit someone else's cancellation.
final class FlightTable: Sendable {
    typealias Outcome = Result<DNSAnswer, ResolverError>

    private final class Flight: Sendable {
        struct State {
            var waiters: [UInt64: CheckedContinuation<Outcome, Never>] = [:]
            /// Waiters that left before they were registered, with why.
            var departed: [UInt64: Outcome] = [:]
            /// The work's result, once it is done (for waiters that register late).
            var result: Outcome?
        }
        let state = Mutex(State())
        /// The work's own deadline: only callers with a later one may join.
        let deadline: ContinuousClock.Instant
        init(deadline: ContinuousClock.Instant) { self.deadline = deadline }
    }

    private let flights = Mutex<[CacheKey: Flight]>([:])
    private let nextWaiter = Atomic<UInt64>(0)

    /// Runs `work` for `key` unless it is already running, and waits for its
    /// result (or for cancellation).
    ///
    /// A question already in flight is joined only when that work's deadline
    /// is no later than the caller's own; otherwise the caller does its own
    /// work (a rare duplicate query) rather than keep a timer per waiter.
    func run(_ key: CacheKey, waiterDeadline: ContinuousClock.Instant?, flightDeadline: ContinuousClock.Instant,
             question: Question, work: @Sendable () async -> Outcome) async -> Outcome {
        for _ in 0..<3 {
            let (flight, isNew) = flights.withLock { flights -> (Flight?, Bool) in
                if let existing = flights[key] {
                    if let waiterDeadline, existing.deadline > waiterDeadline { return (nil, false) }
                    return (existing, false)
                }
                let flight = Flight(deadline: flightDeadline)
                flights[key] = flight
                return (flight, true)
            }
            guard let flight else { return await work() }
            if isNew {
                // The first asker works in its own task: no extra task, no hop.
                let outcome = await work()
                finish(key, flight, outcome)
                return outcome
            }
            let outcome = await wait(on: flight)
            if case .failure(.cancelled) = outcome, !Task.isCancelled { continue }
            return outcome
        }
        return .failure(.cancelled)
    }

    /// Waits for a flight's result, leaving early on cancellation.
    private func wait(on flight: Flight) async -> Outcome {
        let waiter = nextWaiter.add(1, ordering: .relaxed).newValue
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
                let ready = flight.state.withLock { state -> Outcome? in
                    if let departure = state.departed.removeValue(forKey: waiter) { return departure }
                    if let result = state.result { return result }
                    state.waiters[waiter] = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            self.leave(flight, waiter, with: .failure(.cancelled))
        }
    }

    /// Removes one waiter, resuming it with `outcome`.
    private func leave(_ flight: Flight, _ waiter: UInt64, with outcome: Outcome) {
        let continuation = flight.state.withLock { state -> CheckedContinuation<Outcome, Never>? in
            guard let continuation = state.waiters.removeValue(forKey: waiter) else {
                if state.result == nil { state.departed[waiter] = outcome }
                return nil
            }
            return continuation
        }
        continuation?.resume(returning: outcome)
    }

    private func finish(_ key: CacheKey, _ flight: Flight, _ outcome: Outcome) {
        flights.withLock { flights in
            if flights[key] === flight { flights[key] = nil }
        }
        let waiters = flight.state.withLock { state -> [CheckedContinuation<Outcome, Never>] in
            let all = Array(state.waiters.values)
            state.waiters = [:]
            state.result = outcome
            return all
        }
        for waiter in waiters { waiter.resume(returning: outcome) }
    }

    /// Questions currently in flight.
    var count: Int { flights.withLock { $0.count } }
}
