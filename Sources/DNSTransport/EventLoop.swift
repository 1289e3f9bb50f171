@preconcurrency internal import Glibc
import Synchronization

/// One background thread that waits on many non-blocking sockets at once with
/// `epoll`, plus a deadline heap, so thousands of concurrent DNS exchanges need
/// no thread each.
///
/// Use ``shared`` in production. Tests can create their own loop and call
/// ``shutdown()`` (or just drop it: `deinit` shuts it down).
///
/// The thread, the epoll instance and the wake-up eventfd are created on first
/// use. If that fails (for example `EMFILE`), the operation throws
/// ``TransportError/socketFailed(_:)`` and the next operation tries again.
///
/// The exchanges live in extensions: ``udpExchange(_:to:deadline:accept:)`` and
/// ``tcpExchange(_:to:deadline:maximumResponseLength:)``.
public final class EventLoop: Sendable {
    /// The process-wide loop. Started on first use; never shut down.
    public static let shared = EventLoop()

    /// The name of every loop's thread, as `top -H` and debuggers show it.
    public static let threadName = "fcrdns-loop"

    private enum Slot {
        case idle
        case running(EventLoopCore, pthread_t)
        case shutDown
    }

    private let slot = Mutex(Slot.idle)

    /// Creates a loop. Nothing starts until the first exchange (or the first
    /// job of a task that prefers it as its executor).
    public init() {}

    /// The loop whose thread this is, when called from a loop's thread (a
    /// task that prefers a loop as its executor runs there); otherwise nil.
    /// ``SocketTransport`` and the resolver do their exchanges on it, so
    /// that a response and the task waiting for it meet on one thread.
    public static var current: EventLoop? { CurrentLoop.get() }

    deinit {
        shutdown()
    }

    /// The running core, starting the thread on first use.
    func runningCore() throws(TransportError) -> EventLoopCore {
        try slot.withLock { (slot: inout Slot) throws(TransportError) -> EventLoopCore in
            switch slot {
            case .running(let core, _):
                return core
            case .shutDown:
                throw .eventLoopShutDown
            case .idle:
                let core: EventLoopCore
                let thread: pthread_t
                do throws(Errno) {
                    core = try EventLoopCore.make()
                    // Weakly: the thread must not keep the loop alive (its
                    // deinit is what shuts an abandoned loop down).
                    let identity = CurrentLoop.Identity(self)
                    thread = try sysStartThread {
                        sysNameCurrentThread(EventLoop.threadName)
                        CurrentLoop.set(identity)
                        core.run()
                        CurrentLoop.set(nil)
                    }
                } catch {
                    throw .socketFailed(error)
                }
                slot = .running(core, thread)
                return core
            }
        }
    }

    /// Stops the loop and waits for its thread to exit. Idempotent.
    ///
    /// Operations waiting on the loop throw ``TransportError/eventLoopShutDown``,
    /// and so do operations started afterwards. Does nothing on ``shared``,
    /// which lives as long as the process.
    public func shutdown() {
        if self === EventLoop.shared { return }
        let running: (EventLoopCore, pthread_t)? = slot.withLock { slot in
            defer { slot = .shutDown }
            if case .running(let core, let thread) = slot { return (core, thread) }
            return nil
        }
        guard let (core, thread) = running else { return }
        core.shutDown()
        if sysIsCurrentThread(thread) {
            pthread_detach(thread)
        } else {
            sysJoinThread(thread)
        }
    }
}

/// The loop as a task executor: a task that prefers it
/// (`withTaskExecutorPreference(loop)`, `group.addTask(executorPreference:
/// loop)`) runs its nonisolated code on the loop's thread, between rounds of
/// `epoll_wait`. A DNS exchange then needs no thread hand-off: the loop sees
/// the response, and the task it resumes runs on the same thread before the
/// loop sleeps again, where a task on the global executor would be woken on a
/// pool thread. The jobs must not block the thread (none of the library's
/// do). After ``shutdown()`` jobs go to the global concurrent executor.
extension EventLoop: TaskExecutor {
    /// Runs `job` on the loop's thread (starting the loop if needed).
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = LoopJob(job: UnownedJob(job), executor: asUnownedTaskExecutor())
        if let core = try? runningCore(), core.enqueue(job) { return }
        job.runElsewhere()
    }
}

/// The loop of the calling thread, in thread-specific data: set by the loop's
/// thread when it starts and cleared when it ends. It holds the loop weakly
/// (through an ``Identity`` the thread keeps): a loop that is being
/// destroyed reads as none.
private enum CurrentLoop {
    /// A weak reference to a loop, kept by its thread.
    final class Identity: Sendable {
        weak let loop: EventLoop?
        init(_ loop: EventLoop) { self.loop = loop }
    }

    static let key: pthread_key_t? = {
        var key = pthread_key_t()
        guard pthread_key_create(&key, nil) == 0 else { return nil }
        return key
    }()

    /// Called on the loop's thread only; the thread keeps `identity` alive
    /// until it clears it.
    static func set(_ identity: Identity?) {
        guard let key else { return }
        _ = pthread_setspecific(key, identity.map { Unmanaged.passUnretained($0).toOpaque() })
    }

    static func get() -> EventLoop? {
        guard let key, let pointer = pthread_getspecific(key) else { return nil }
        return Unmanaged<Identity>.fromOpaque(pointer).takeUnretainedValue().loop
    }
}
