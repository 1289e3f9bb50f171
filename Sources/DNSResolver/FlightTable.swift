import DNSTransport
import DNSWire
import Synchronization

/// Merges identical questions already in flight: the first asker does the
/// work in its own task; later askers wait for the same result.
///
/// A waiter that is cancelled stops waiting at once; a caller joins only
/// work that will end by its own deadline. If the first asker is cancelled, its work ends with
/// ``ResolverError/cancelled``; waiters that were not cancelled themselves
/// then ask again rather than inherit someone else's cancellation.
///
/// The table hands out ``Flight`` objects and never runs the work itself, so
/// the asker's task holds one frame (``Resolver/ask(_:deadline:)``) and not
/// a frame of the table's as well.
final class FlightTable: Sendable {
    typealias Outcome = Result<DNSAnswer, ResolverError>

    typealias Flight = QueryFlight

    /// What a caller does with the flight it got.
    enum Role {
        /// Do the work, then ``finish(_:with:)``.
        case lead
        /// ``wait(on:)`` for the leader's outcome.
        case follow
    }

    private let flights = Mutex<[CacheKey: Flight]>([:])
    private let nextWaiter = Atomic<UInt64>(0)

    /// The flight for `key`: the one already running (to follow) when it ends
    /// no later than `waiterDeadline`, else a new one (to lead). A new flight
    /// is registered for later askers unless another one already is; then the
    /// caller does its own work (a rare duplicate query) rather than keep a
    /// timer per waiter.
    func join(_ key: CacheKey, waiterDeadline: Deadline?, flightDeadline: Deadline) -> (Flight, Role?) {
        flights.withLock { flights -> (Flight, Role?) in
            if let existing = flights[key] {
                if let waiterDeadline, existing.deadline > waiterDeadline {
                    return (Flight(key: key, deadline: flightDeadline), .lead)
                }
                return (existing, .follow)
            }
            let flight = Flight(key: key, deadline: flightDeadline)
            flights[key] = flight
            return (flight, .lead)
        }
    }

    /// Ends a flight the caller led: unregisters it and wakes its waiters.
    @inline(never)
    func finish(_ flight: Flight, with outcome: Outcome) {
        flights.withLock { flights in
            if flights[flight.key] === flight { flights[flight.key] = nil }
        }
        let waiters = flight.state.withLock { state -> [CheckedContinuation<Void, Never>] in
            let all = Array(state.waiters.values)
            state.waiters = [:]
            state.outcome = outcome
            return all
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits until the flight is done (its outcome is then set) or the
    /// caller is cancelled, whichever comes first.
    func wait(on flight: Flight) async {
        let waiter = nextWaiter.add(1, ordering: .relaxed).newValue
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = flight.state.withLock { state -> Bool in
                    if state.departed.remove(waiter) != nil || state.outcome != nil { return true }
                    state.waiters[waiter] = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            Self.leave(flight, waiter)
        }
    }

    /// Resumes one cancelled waiter (or marks it departed, when it has not
    /// registered yet and the flight is not done).
    private static func leave(_ flight: Flight, _ waiter: UInt64) {
        let continuation = flight.state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let continuation = state.waiters.removeValue(forKey: waiter) else {
                if state.outcome == nil { state.departed.insert(waiter) }
                return nil
            }
            return continuation
        }
        continuation?.resume()
    }

    /// Questions currently in flight.
    var count: Int { flights.withLock { $0.count } }
}

/// One question being answered, and who waits for its outcome: what
/// ``Resolver/ask(_:deadline:)`` returns, read with ``Resolver/answer(_:as:)``.
package final class QueryFlight: Sendable {
    typealias Outcome = Result<DNSAnswer, ResolverError>

    struct State {
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        /// Waiters that left (cancelled) before they were registered.
        var departed: Set<UInt64> = []
        /// The work's result, once it is done.
        var outcome: Outcome?
    }
    let state: Mutex<State>
    /// The key it is registered under.
    let key: CacheKey
    /// The work's own deadline: only callers with a later one may join.
    let deadline: Deadline

    /// When it was made: the start of a lookup answered from the cache.
    package let started: ContinuousClock.Instant

    init(key: CacheKey, deadline: Deadline, outcome: Outcome? = nil, started: ContinuousClock.Instant = .now) {
        self.key = key
        self.deadline = deadline
        self.started = started
        self.state = Mutex(State(outcome: outcome))
    }

    /// The outcome, once the work is done.
    var outcome: Outcome? { state.withLock { $0.outcome } }

    /// Whether the work ended because its task was cancelled.
    var endedCancelled: Bool {
        state.withLock {
            if case .failure(.cancelled) = $0.outcome { return true }
            return false
        }
    }
}
