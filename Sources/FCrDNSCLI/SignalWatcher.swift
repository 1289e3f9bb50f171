#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Synchronization

/// Turns SIGTERM and SIGINT into a call on an ordinary thread.
///
/// The handler is installed with `signal(2)` before the call returns, so a
/// signal that arrives a microsecond later is not lost (a Dispatch signal
/// source arms itself asynchronously, and until then a signal set to
/// `SIG_IGN` would vanish). The handler only stores the signal number and
/// posts a semaphore (`sem_post` is async-signal-safe); one watcher thread
/// waits on it and runs `body` for every signal.
enum SignalWatcher {
    /// Posted by the handler; allocated once, before any handler is installed.
    private nonisolated(unsafe) static let semaphore: UnsafeMutablePointer<sem_t> = {
        let pointer = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)
        sem_init(pointer, 0, 0)
        return pointer
    }()
    /// The last signal caught (written by the handler, read by the watcher).
    private static let lastSignal = Atomic<Int32>(0)
    private static let started = Atomic<Bool>(false)

    /// Installs handlers for `signals` and starts the watcher thread, which
    /// calls `body` with each signal caught. Call once.
    static func start(_ signals: [Int32], _ body: @escaping @Sendable (Int32) -> Void) {
        guard !started.exchange(true, ordering: .acquiringAndReleasing) else { return }
        // Both globals are initialized here, never first inside the handler.
        _ = semaphore
        lastSignal.store(0, ordering: .relaxed)
        final class Box: Sendable {
            let body: @Sendable (Int32) -> Void
            init(_ body: @escaping @Sendable (Int32) -> Void) { self.body = body }
        }
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { argument in
            guard let argument else { return nil }
            let box = Unmanaged<Box>.fromOpaque(argument).takeRetainedValue()
            while true {
                if sem_wait(SignalWatcher.semaphore) != 0 { continue }  // EINTR
                box.body(SignalWatcher.lastSignal.load(ordering: .acquiring))
            }
        }, box)
        if created == 0 {
            pthread_detach(thread)
        } else {
            Unmanaged<Box>.fromOpaque(box).release()
        }
        for number in signals {
            _ = signal(number) { caught in
                SignalWatcher.lastSignal.store(caught, ordering: .releasing)
                sem_post(SignalWatcher.semaphore)
            }
        }
    }
}
