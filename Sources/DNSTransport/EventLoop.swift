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

    private enum Slot {
        case idle
        case running(EventLoopCore, pthread_t)
        case shutDown
    }

    private let slot = Mutex(Slot.idle)

    /// Creates a loop. Nothing starts until the first exchange.
    public init() {}

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
                    thread = try sysStartThread { core.run() }
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
