import Synchronization

/// An async counting semaphore: at most ``limit`` holders at a time, the rest
/// wait in FIFO order.
///
/// The resolver uses it to cap concurrent queries. Waiting is
/// cancellation-safe: a cancelled waiter leaves the queue at once and gets
/// `CancellationError` (or ``TransportError/cancelled`` from
/// ``withPermit(_:)``) without taking a permit. A permit released while
/// waiters queue is handed straight to the oldest one, so a stream of new
/// arrivals cannot starve them.
///
/// ```swift
/// let limiter = AsyncLimiter(limit: 64)
/// let response = try await limiter.withPermit {
///     try await EventLoop.shared.tcpExchange(query, to: server, deadline: deadline)
/// }
/// ```
public final class AsyncLimiter: Sendable {
    /// The number of permits.
    public let limit: Int

    private struct State {
        var available: Int
        /// Waiting continuations by ticket; `true` = permit granted, `false` = cancelled.
        var waiters: [UInt64: CheckedContinuation<Bool, Never>] = [:]
        /// Tickets in arrival order; tickets no longer in `waiters` are skipped.
        var queue: [UInt64] = []
        var head = 0
        var nextTicket: UInt64 = 0

        mutating func compactQueue() {
            if head > 0 && (head == queue.count || head >= 64 && head * 2 >= queue.count) {
                queue.removeFirst(head)
                head = 0
            }
            if queue.count - head > 2 * waiters.count + 64 {
                let live = waiters
                queue = queue[head...].filter { live[$0] != nil }
                head = 0
            }
        }
    }

    private let state: Mutex<State>

    /// Creates a limiter with `limit` permits (at least 1).
    public init(limit: Int) {
        let limit = max(1, limit)
        self.limit = limit
        self.state = Mutex(State(available: limit))
    }

    /// Permits not currently held.
    public var availablePermits: Int {
        state.withLock { $0.available }
    }

    /// Tasks waiting for a permit.
    public var waitingCount: Int {
        state.withLock { $0.waiters.count }
    }

    /// Waits for a permit. Balance every successful call with one ``release()``.
    ///
    /// Throws `CancellationError` if the task is cancelled before a permit is
    /// granted; no permit is held then.
    public func acquire() async throws(CancellationError) {
        if Task.isCancelled { throw CancellationError() }
        let ticket: UInt64? = state.withLock { state in
            if state.available > 0 && state.waiters.isEmpty {
                state.available -= 1
                return nil
            }
            state.nextTicket += 1
            return state.nextTicket
        }
        guard let ticket else { return }

        let granted = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let immediate: Bool? = state.withLock { state in
                    if Task.isCancelled { return false }
                    if state.available > 0 && state.waiters.isEmpty {
                        state.available -= 1
                        return true
                    }
                    state.waiters[ticket] = continuation
                    state.queue.append(ticket)
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let continuation = state.withLock { state in
                let continuation = state.waiters.removeValue(forKey: ticket)
                state.compactQueue()
                return continuation
            }
            continuation?.resume(returning: false)
        }
        if !granted { throw CancellationError() }
    }

    /// Returns a permit, waking the oldest waiter if there is one.
    public func release() {
        let next: CheckedContinuation<Bool, Never>? = state.withLock { state in
            while state.head < state.queue.count {
                let ticket = state.queue[state.head]
                state.head += 1
                if let continuation = state.waiters.removeValue(forKey: ticket) {
                    state.compactQueue()
                    return continuation
                }
            }
            state.compactQueue()
            assert(state.available < limit, "AsyncLimiter.release() without a matching acquire()")
            state.available = min(state.available + 1, limit)
            return nil
        }
        next?.resume(returning: true)
    }

    /// Runs `body` while holding a permit; the permit is returned however `body` ends.
    ///
    /// Throws ``TransportError/cancelled`` if the task is cancelled while waiting.
    public func withPermit<Result>(
        _ body: () async throws(TransportError) -> Result
    ) async throws(TransportError) -> Result {
        do {
            try await acquire()
        } catch {
            throw .cancelled
        }
        defer { release() }
        return try await body()
    }

    /// Runs `body` while holding a permit; throws `cancellationError` if the task
    /// is cancelled while waiting for one.
    public func withPermit<Result, Failure: Error>(
        cancellationError: @autoclosure () -> Failure,
        _ body: () async throws(Failure) -> Result
    ) async throws(Failure) -> Result {
        do {
            try await acquire()
        } catch {
            throw cancellationError()
        }
        defer { release() }
        return try await body()
    }
}
