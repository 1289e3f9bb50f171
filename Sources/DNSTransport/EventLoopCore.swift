@preconcurrency internal import Glibc
import Synchronization

/// Which readiness a wait is for.
enum Interest: Sendable {
    /// Data (or end of stream, or an error) can be read.
    case readable
    /// Data can be written, or a non-blocking `connect` finished.
    case writable
}

/// How a wait ended. Exactly one of these reaches each waiter.
enum WaitOutcome: Sendable, Hashable {
    /// epoll reported the descriptor ready (or in error: the next syscall will
    /// say); for a wait with a ``ReadinessHandler``, the handler is done.
    case ready
    /// The deadline passed first.
    case timedOut
    /// The waiting task was cancelled first.
    case cancelled
    /// The loop shut down first.
    case shutDown
    /// Registering the descriptor with epoll failed.
    case failed(Errno)
}

/// Work done for a waiter on the thread that sees its descriptor ready,
/// instead of resuming its task for every readiness: a UDP exchange receives
/// and filters its datagrams here, so its task is resumed once, with the
/// answer, and waits in one frame.
///
/// Never called twice at once for one waiter, and never after the waiter
/// was resumed, so it may use the descriptor freely.
protocol ReadinessHandler: AnyObject, Sendable {
    /// The descriptor is ready. Return true when the wait is over (the task
    /// is resumed with ``WaitOutcome/ready``), false to wait for the next
    /// readiness. Must not block: do a bounded amount of non-blocking work.
    func descriptorReady() -> Bool
}

/// The running part of an ``EventLoop``: an epoll instance, a wake-up eventfd,
/// a table of suspended waiters, a deadline heap, and the loop body run by one
/// background thread.
///
/// ## Exactly-once resumption
///
/// Each wait gets a unique id. Its continuation lives in `State.waiters[id]`,
/// and *whoever removes it from that dictionary, under the mutex, resumes it*:
/// the loop thread on readiness or expiry, the cancellation handler on
/// cancellation, ``shutDown()`` on shutdown, and the busy thread (below) with
/// what it found or what was recorded meanwhile. A second party finds the
/// entry gone and does nothing, so readiness, timeout and cancellation can
/// race freely. Continuations are resumed after the mutex is released.
///
/// ## Registration
///
/// A descriptor is armed with `EPOLLONESHOT` and the waiter id as epoll data.
/// The waiter is stored first, marked *busy*, and `epoll_ctl` runs after the
/// mutex is released (a system call under the mutex made the loop thread and
/// the tasks contend for it). While a waiter is busy nobody resumes it: the
/// loop, a timeout, a cancellation or shutdown only record an outcome in it
/// (a final one replaces a recorded readiness), and the busy thread, once its
/// system call has returned, takes the mutex again and resumes it with that
/// outcome if there is one. So an event cannot arrive for a waiter that is
/// not stored yet, and a waiter cannot be resumed (and its socket closed, and
/// the descriptor number reused) while a system call on its descriptor is
/// still in flight. An event for an id that is no longer stored (the waiter
/// timed out or was cancelled) is ignored; closing a socket removes it from
/// the epoll set.
///
/// ## Handlers
///
/// A waiter with a ``ReadinessHandler`` is not resumed when its descriptor is
/// ready: it is marked busy and its handler runs, outside the mutex, on the
/// thread that saw the readiness (the loop, or the registering thread when the
/// event came while it was arming). When the handler is not done, the
/// descriptor is re-armed (still busy), and the waiter goes back to waiting,
/// or is resumed with the final outcome recorded meanwhile. The registering
/// thread (one of the concurrency pool's) runs a handler once at most: if the
/// descriptor is ready again by then (a flood of datagrams), it hands the
/// waiter, still busy, to the loop thread, so a pool thread is never held.
///
/// ## Waking the loop
///
/// Registrations need no wake-up: `epoll_ctl` works while another thread is in
/// `epoll_wait`. Only a deadline earlier than the one the loop sleeps towards
/// needs one, and it gets a single write to the eventfd (`wakePending`).
///
/// ## Jobs
///
/// The loop is also a task executor (``EventLoop``'s `TaskExecutor`
/// conformance): jobs of tasks that prefer it queue in `State.jobs`. Each
/// round of the loop resumes the waiters that are done and runs their
/// handlers, then runs the queued jobs (those it just resumed among them, a
/// few batches at most), and only then decides, under the mutex, to sleep:
/// `isSleeping` is set there, with the next deadline, so a job queued or a
/// deadline registered before that needs no wake-up, and one after it gets
/// one. With jobs or handed-off waiters still queued it polls instead.
final class EventLoopCore: Sendable {
    /// A suspended operation.
    private struct Waiter {
        let continuation: CheckedContinuation<WaitOutcome, Never>
        /// Runs on readiness instead of resuming, when there is one.
        let handler: (any ReadinessHandler)?
        /// The descriptor and the epoll events it is armed for (to re-arm it).
        let fd: CInt
        let events: UInt32
        /// A thread is in `epoll_ctl` or the handler for it: record outcomes,
        /// do not resume.
        var busy = true
        /// The outcome that arrived while busy.
        var pending: WaitOutcome? = nil
    }

    /// What the busy thread does next, once its system call returned.
    private enum Settled {
        /// Resume the task with this outcome.
        case resume(CheckedContinuation<WaitOutcome, Never>, WaitOutcome)
        /// Run the handler again: the descriptor became ready meanwhile.
        case runHandler
        /// Nothing: the waiter waits again.
        case waiting
    }

    /// Everything the mutex protects.
    private struct State {
        var waiters: [UInt64: Waiter] = [:]
        var timers = DeadlineHeap()
        var isShutDown = false
        /// The loop is in (or about to enter) `epoll_wait`.
        var isSleeping = false
        /// The deadline the sleeping loop will wake for; `nil` means no timer.
        var sleepDeadline: Deadline?
        /// An eventfd write is already on its way.
        var wakePending = false
        /// Busy waiters whose handler the loop thread is to run next.
        var handedOff: [UInt64] = []
        /// Jobs of tasks that prefer the loop as their executor, in order.
        var jobs: [LoopJob] = []

        /// Changes waiter `id` in place, if it is there. Not
        /// `waiters[id]?.field = value`: the dictionary's optional-value
        /// `_modify` coroutine holds a whole `Waiter?` in its frame, which
        /// does not fit the caller's fixed coroutine buffer, so each such
        /// write cost a malloc and a free (heaptrack: 206,352 for 30,000
        /// evaluations, under this mutex on the loop thread). Through an
        /// index, the values view yields the stored waiter itself.
        mutating func modifyWaiter(_ id: UInt64, _ change: (inout Waiter) -> Void) {
            guard let index = waiters.index(forKey: id) else { return }
            change(&waiters.values[index])
        }
    }

    /// The epoll instance; closed in `deinit`, once no thread or operation can use it.
    private let epollFD: CInt
    /// The eventfd that wakes `epoll_wait`; registered with epoll data `0`.
    private let wakeFD: CInt
    private let state = Mutex(State())
    /// Waiter ids; `0` is reserved for the eventfd.
    private let nextID = Atomic<UInt64>(1)

    /// The most events taken from one `epoll_wait`.
    private static let maximumEvents = 256

    private init(epollFD: CInt, wakeFD: CInt) {
        self.epollFD = epollFD
        self.wakeFD = wakeFD
    }

    /// Creates the epoll instance and the eventfd.
    static func make() throws(Errno) -> EventLoopCore {
        let epollFD = try Epoll.create()
        let wakeFD: CInt
        do {
            wakeFD = try Epoll.createEventFD()
            try Epoll.control(epollFD, Epoll.add, wakeFD, events: Epoll.readable, data: 0)
        } catch {
            try? sysClose(epollFD)
            throw error
        }
        return EventLoopCore(epollFD: epollFD, wakeFD: wakeFD)
    }

    deinit {
        try? sysClose(wakeFD)
        try? sysClose(epollFD)
    }

    // MARK: - Waiting (called from tasks)

    /// Suspends until `fd` is ready for `interest`, the deadline passes, the task
    /// is cancelled, or the loop shuts down.
    ///
    /// `alreadyRegistered` says whether `fd` is in the epoll set (re-arm with
    /// `EPOLL_CTL_MOD`) or not yet (`EPOLL_CTL_ADD`).
    ///
    /// With a `handler`, readiness runs the handler instead (see
    /// ``ReadinessHandler``), and `.ready` means the handler is done.
    func wait(
        fd: CInt,
        for interest: Interest,
        deadline: Deadline,
        alreadyRegistered: Bool,
        handler: (any ReadinessHandler)? = nil
    ) async -> WaitOutcome {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<WaitOutcome, Never>) in
                self.register(
                    id: id,
                    fd: fd,
                    interest: interest,
                    deadline: deadline,
                    alreadyRegistered: alreadyRegistered,
                    handler: handler,
                    continuation: continuation
                )
            }
        } onCancel: {
            self.cancel(id: id)
        }
    }

    /// Out of line: inlined into the async closure of ``wait(fd:for:deadline:alreadyRegistered:handler:)``,
    /// its temporaries would be task allocations of every waiter.
    @inline(never)
    private func register(
        id: UInt64,
        fd: CInt,
        interest: Interest,
        deadline: Deadline,
        alreadyRegistered: Bool,
        handler: (any ReadinessHandler)?,
        continuation: CheckedContinuation<WaitOutcome, Never>
    ) {
        let now = Deadline.now
        let events = (interest == .readable ? Epoll.readable : Epoll.writable) | Epoll.oneShot
        // Either an outcome to deliver now, or whether the loop needs waking.
        let (immediate, needsWake): (WaitOutcome?, Bool) = state.withLock { state in
            if state.isShutDown { return (.shutDown, false) }
            // Cancellation sets the flag before running handlers, and the handler
            // takes this mutex, so checking here under the mutex cannot miss it.
            if Task.isCancelled { return (.cancelled, false) }
            if deadline <= now { return (.timedOut, false) }
            state.waiters[id] = Waiter(continuation: continuation, handler: handler, fd: fd, events: events)
            state.timers.insert(deadline, id: id)
            var needsWake = false
            if state.isSleeping && !state.wakePending {
                if let sleepDeadline = state.sleepDeadline {
                    needsWake = deadline < sleepDeadline
                } else {
                    needsWake = true
                }
                if needsWake { state.wakePending = true }
            }
            return (nil, needsWake)
        }
        if let immediate {
            continuation.resume(returning: immediate)
            return
        }
        if needsWake { wake() }

        let failure = arm(fd: fd, events: events, id: id, alreadyRegistered: alreadyRegistered)
        switch settle(id, handlerDone: false, failure: failure) {
        case .resume(let continuation, let outcome): continuation.resume(returning: outcome)
        case .runHandler: runHandler(of: id, turns: 1)
        case .waiting: break
        }
    }

    /// Ends a busy spell of waiter `id` after its `epoll_ctl` (`failure` if
    /// it failed) or its handler (`handlerDone`): resume it, run its handler
    /// (readiness arrived meanwhile), or let it wait again.
    private func settle(_ id: UInt64, handlerDone: Bool, failure: Errno?) -> Settled {
        state.withLock { state -> Settled in
            // A busy waiter is never taken out by anyone else.
            guard let waiter = state.waiters[id] else { return .waiting }
            if handlerDone {
                state.waiters[id] = nil
                return .resume(waiter.continuation, .ready)
            }
            if let failure {
                state.waiters[id] = nil
                return .resume(waiter.continuation, .failed(failure))
            }
            switch waiter.pending {
            case nil:
                state.modifyWaiter(id) { $0.busy = false }
                return .waiting
            case .ready? where waiter.handler != nil:
                state.modifyWaiter(id) { $0.pending = nil }
                return .runHandler
            case let outcome?:
                state.waiters[id] = nil
                return .resume(waiter.continuation, outcome)
            }
        }
    }

    /// Runs the handler of busy waiter `id` until it is done or waits again,
    /// re-arming its descriptor each time it is not done; after `turns` runs
    /// the waiter, still busy, goes to the loop thread.
    private func runHandler(of id: UInt64, turns: Int = .max) {
        guard let (handler, fd, events) = state.withLock({ state -> ((any ReadinessHandler), CInt, UInt32)? in
            guard let waiter = state.waiters[id], let handler = waiter.handler else { return nil }
            return (handler, waiter.fd, waiter.events)
        }) else {
            assertionFailure("a busy waiter with a handler is never taken out by another thread")
            return
        }
        var turns = turns
        while true {
            let done = handler.descriptorReady()
            let failure = done ? nil : arm(fd: fd, events: events, id: id, alreadyRegistered: true)
            switch settle(id, handlerDone: done, failure: failure) {
            case .resume(let continuation, let outcome):
                continuation.resume(returning: outcome)
                return
            case .runHandler:
                turns -= 1
                if turns > 0 { continue }
                handOff(id)
                return
            case .waiting:
                return
            }
        }
    }

    /// Gives busy waiter `id` to the loop thread, which runs its handler next.
    private func handOff(_ id: UInt64) {
        let needsWake = state.withLock { state -> Bool in
            state.handedOff.append(id)
            guard state.isSleeping && !state.wakePending else { return false }
            state.wakePending = true
            return true
        }
        if needsWake { wake() }
    }

    /// Takes waiter `id` out to resume it with `outcome`, or, while it is
    /// busy, records `outcome` in it for the busy thread to deliver (a final
    /// outcome replaces a recorded readiness, for every waiter, with or
    /// without a handler; otherwise the first one stays). Call with the mutex
    /// held.
    private static func take(_ id: UInt64, with outcome: WaitOutcome,
                             from state: inout State) -> CheckedContinuation<WaitOutcome, Never>? {
        guard let waiter = state.waiters[id] else { return nil }
        if waiter.busy {
            if waiter.pending == nil || (waiter.pending == .ready && outcome != .ready) {
                state.modifyWaiter(id) { $0.pending = outcome }
            }
            return nil
        }
        state.waiters[id] = nil
        return waiter.continuation
    }

    /// A readiness event for waiter `id`: its continuation to resume, or,
    /// for a waiter with a handler, true when the caller must run the handler
    /// (the waiter is then busy). Call with the mutex held.
    private static func ready(_ id: UInt64, in state: inout State) -> (CheckedContinuation<WaitOutcome, Never>?, Bool) {
        guard let waiter = state.waiters[id] else { return (nil, false) }
        if waiter.handler != nil, !waiter.busy {
            state.modifyWaiter(id) { $0.busy = true }
            return (nil, true)
        }
        return (take(id, with: .ready, from: &state), false)
    }

    /// Adds or re-arms `fd` for one event carrying `id`. Returns the error, if any.
    private func arm(fd: CInt, events: UInt32, id: UInt64, alreadyRegistered: Bool) -> Errno? {
        let first = alreadyRegistered ? Epoll.modify : Epoll.add
        do {
            try Epoll.control(epollFD, first, fd, events: events, data: id)
            return nil
        } catch {
            // The set may disagree with `alreadyRegistered` (EEXIST: the number is
            // already in it; ENOENT: not yet): try the other operation once.
            guard error.rawValue == EEXIST || error.rawValue == ENOENT else { return error }
            let second = first == Epoll.add ? Epoll.modify : Epoll.add
            do {
                try Epoll.control(epollFD, second, fd, events: events, data: id)
                return nil
            } catch {
                return error
            }
        }
    }

    private func cancel(id: UInt64) {
        let continuation = state.withLock { Self.take(id, with: .cancelled, from: &$0) }
        continuation?.resume(returning: .cancelled)
    }

    // MARK: - Jobs (tasks whose executor preference is the loop)

    /// Queues `job` to run on the loop thread, between its rounds of
    /// `epoll_wait`. Returns false once the loop has shut down: the caller
    /// runs the job elsewhere. From the loop thread itself (a task it runs
    /// resumed another), no wake-up is needed: the loop runs every queued
    /// job before it sleeps.
    func enqueue(_ job: LoopJob) -> Bool {
        let (accepted, needsWake) = state.withLock { state -> (Bool, Bool) in
            if state.isShutDown { return (false, false) }
            state.jobs.append(job)
            guard state.isSleeping && !state.wakePending else { return (true, false) }
            state.wakePending = true
            return (true, true)
        }
        if needsWake { wake() }
        return accepted
    }

    private func wake() {
        var one: UInt64 = 1
        _ = try? withUnsafeBytes(of: &one) { bytes throws(Errno) in try sysWrite(wakeFD, bytes) }
    }

    // MARK: - Shutdown

    /// Stops the loop: every current waiter gets `.shutDown`, later waits get it at once,
    /// and the loop thread returns from ``run()``.
    func shutDown() {
        let (continuations, jobs) = state.withLock { state in
            state.isShutDown = true
            let ids = Array(state.waiters.keys)
            let jobs = state.jobs
            state.jobs = []
            return (ids.compactMap { Self.take($0, with: .shutDown, from: &state) }, jobs)
        }
        for continuation in continuations {
            continuation.resume(returning: .shutDown)
        }
        // Jobs the loop will not run now: on the global executor, so that no
        // task is left suspended.
        for job in jobs { job.runElsewhere() }
        wake()
    }

    // MARK: - The loop (runs on the background thread)

    /// The loop body. Returns after ``shutDown()``.
    func run() {
        let buffer = UnsafeMutableRawBufferPointer.allocate(
            byteCount: Self.maximumEvents * Epoll.eventSize,
            alignment: 8
        )
        defer { buffer.deallocate() }
        var readyIDs: [UInt64] = []
        readyIDs.reserveCapacity(Self.maximumEvents)
        var toResume: [(CheckedContinuation<WaitOutcome, Never>, WaitOutcome)] = []
        var toHandle: [UInt64] = []
        var jobs: [LoopJob] = []
        var timeout: CInt = 0

        while true {
            let count: Int
            do {
                count = try Epoll.wait(
                    epollFD,
                    into: buffer,
                    maximumEvents: Self.maximumEvents,
                    timeoutMilliseconds: timeout
                )
            } catch {
                // Only EBADF/EINVAL/EFAULT can get here: a bug. Fail every waiter rather than spin.
                assertionFailure("epoll_wait failed: \(error)")
                shutDown()
                return
            }

            readyIDs.removeAll(keepingCapacity: true)
            for index in 0..<count {
                let id = Epoll.eventData(at: index, in: buffer)
                if id == 0 {
                    drainWakeFD()
                } else {
                    readyIDs.append(id)
                }
            }

            let now = Deadline.now
            let stop: Bool = state.withLock { state in
                state.isSleeping = false
                state.wakePending = false
                if state.isShutDown { return true }
                for id in readyIDs {
                    let (continuation, runsHandler) = Self.ready(id, in: &state)
                    if let continuation { toResume.append((continuation, .ready)) }
                    if runsHandler { toHandle.append(id) }
                }
                toHandle.append(contentsOf: state.handedOff)
                state.handedOff.removeAll(keepingCapacity: true)
                while let first = state.timers.first {
                    if state.waiters[first.id] == nil {
                        _ = state.timers.removeFirst()  // Stale: finished some other way.
                        continue
                    }
                    if first.deadline > now { break }
                    _ = state.timers.removeFirst()
                    if let continuation = Self.take(first.id, with: .timedOut, from: &state) {
                        toResume.append((continuation, .timedOut))
                    }
                }
                // Waiters that finish early leave stale timers behind; compact now and then.
                if state.timers.count > 64 && state.timers.count > 4 * state.waiters.count {
                    let waiters = state.waiters
                    state.timers.retain { waiters[$0.id] != nil }
                }
                return false
            }

            for (continuation, outcome) in toResume {
                continuation.resume(returning: outcome)
            }
            toResume.removeAll(keepingCapacity: true)
            // Handlers take time (receives, the callers' filters): count from
            // after them, so the next timer does not fire late.
            let handled = !toHandle.isEmpty
            for id in toHandle {
                runHandler(of: id)
            }
            toHandle.removeAll(keepingCapacity: true)
            if stop { return }

            // The jobs of tasks that run on the loop (those just resumed among
            // them), a few rounds at most so that sockets are not starved;
            // then the sleep decision, under the mutex with the queue.
            var rounds = 0
            var nextDeadline: Deadline?
            var moreJobs = false
            while true {
                let batch: Bool = state.withLock { state in
                    if state.jobs.isEmpty || rounds == Self.maximumJobRounds {
                        // Jobs left, or waiters a job handed off (their
                        // handler found the descriptor ready again): the loop
                        // only polls, it does not sleep.
                        moreJobs = !state.jobs.isEmpty || !state.handedOff.isEmpty
                        state.sleepDeadline = state.timers.first?.deadline
                        nextDeadline = state.sleepDeadline
                        state.isSleeping = !moreJobs
                        return false
                    }
                    swap(&state.jobs, &jobs)
                    return true
                }
                guard batch else { break }
                for job in jobs { job.run() }
                jobs.removeAll(keepingCapacity: true)
                rounds += 1
            }
            let ran = rounds > 0
            timeout = moreJobs ? 0 : Self.milliseconds(until: nextDeadline, from: handled || ran ? .now : now)
        }
    }

    /// Rounds of queued jobs between two `epoll_wait`s.
    private static let maximumJobRounds = 8

    private func drainWakeFD() {
        var counter: UInt64 = 0
        _ = try? withUnsafeMutableBytes(of: &counter) { bytes throws(Errno) in try sysRead(wakeFD, into: bytes) }
    }

    /// The `epoll_wait` timeout for `deadline`: rounded up to whole milliseconds so the
    /// loop never wakes just before a deadline and spins; `-1` (forever) without one.
    static func milliseconds(until deadline: Deadline?, from now: Deadline) -> CInt {
        guard let deadline else { return -1 }
        guard deadline > now else { return 0 }
        let nanoseconds = deadline.nanoseconds &- now.nanoseconds  // Positive: no overflow for real deadlines.
        let (milliseconds, remainder) = nanoseconds.quotientAndRemainder(dividingBy: 1_000_000)
        return CInt(clamping: milliseconds + (remainder == 0 ? 0 : 1))
    }
}
