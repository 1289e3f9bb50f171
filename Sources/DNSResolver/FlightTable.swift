import DNSWire
import Synchronization

/// Merges identical questions already in flight: the first asker starts the
/// work in a task of its own; later askers wait for the same result.
///
/// A waiter that is cancelled, or whose own deadline passes, stops waiting
/// at once; when the last waiter leaves, the work is cancelled too.
final class FlightTable: Sendable {
    typealias Outcome = Result<DNSAnswer, ResolverError>

    private final class Flight: Sendable {
        struct State {
            var waiters: [UInt64: CheckedContinuation<Outcome, Never>] = [:]
            /// Waiters that left before they were registered, with why.
            var departed: [UInt64: Outcome] = [:]
            var task: Task<Void, Never>?
            /// The work's result, once it is done (for waiters that register late).
            var result: Outcome?
        }
        let state = Mutex(State())
    }

    private let flights = Mutex<[CacheKey: Flight]>([:])
    private let nextWaiter = Atomic<UInt64>(0)

    /// Runs `work` for `key` unless it is already running, and waits for its
    /// result (or for cancellation, or `waiterDeadline`).
    func run(_ key: CacheKey, waiterDeadline: ContinuousClock.Instant?, question: Question,
             work: @escaping @Sendable () async -> Outcome) async -> Outcome {
        let waiter = nextWaiter.add(1, ordering: .relaxed).newValue
        let (flight, isNew) = flights.withLock { flights -> (Flight, Bool) in
            if let existing = flights[key] { return (existing, false) }
            let flight = Flight()
            flights[key] = flight
            return (flight, true)
        }
        if isNew {
            let task = Task {
                let outcome = await work()
                self.finish(key, flight, outcome)
            }
            flight.state.withLock { $0.task = task }
        }
        // A timer that releases this waiter at its own deadline.
        let timer: Task<Void, Never>? = waiterDeadline.map { deadline in
            Task {
                try? await Task.sleep(until: deadline, clock: .continuous)
                if !Task.isCancelled {
                    self.leave(flight, waiter, with: .failure(.deadlineExceeded(question: question, attempts: [])))
                }
            }
        }
        defer { timer?.cancel() }
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

    /// Removes one waiter, resuming it with `outcome`; cancels the work when
    /// nobody is left waiting.
    private func leave(_ flight: Flight, _ waiter: UInt64, with outcome: Outcome) {
        let (continuation, orphanedTask) = flight.state.withLock { state -> (CheckedContinuation<Outcome, Never>?, Task<Void, Never>?) in
            guard let continuation = state.waiters.removeValue(forKey: waiter) else {
                if state.result == nil { state.departed[waiter] = outcome }
                return (nil, nil)
            }
            return (continuation, state.waiters.isEmpty ? state.task : nil)
        }
        continuation?.resume(returning: outcome)
        orphanedTask?.cancel()
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
