#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Synchronization

/// The lines of a ``LineReader``, read on a thread of their own and handed
/// to one async consumer.
///
/// `fcrdns batch` runs on event loops, whose threads must not block: a
/// `getline` on a pipe that is slow to fill (`tail -f log | fcrdns batch`)
/// would stall every exchange of that loop. The reading thread keeps up to
/// `capacity` lines ahead and then waits for the consumer, so a large file is
/// not read into memory at once.
final class LineFeeder: Sendable {
    private struct State {
        var lines: [String] = []
        var head = 0
        var finished = false
        /// The consumer, suspended until a line (or the end) arrives.
        var consumer: CheckedContinuation<Void, Never>? = nil
        /// The reading thread waits on `space` until the consumer drains half.
        var producerWaiting = false

        var available: Int { lines.count - head }
    }

    private enum Take {
        case line(String)
        case finished
        case empty
    }

    private let state = Mutex(State())
    private let capacity: Int
    /// Posted when the reading thread may go on; freed in `deinit` (after the
    /// thread is done with it: the thread holds a reference to the feeder).
    nonisolated(unsafe) private let space: UnsafeMutablePointer<sem_t>

    /// Starts reading `reader` on a new thread. Nil when no thread can be started.
    init?(_ reader: sending LineReader, capacity: Int = 4096) {
        self.capacity = max(capacity, 2)
        space = .allocate(capacity: 1)
        sem_init(space, 0, 0)
        final class Start: @unchecked Sendable {
            // @unchecked: the reader moves to the new thread and is used there only.
            let feeder: LineFeeder
            let reader: LineReader
            init(_ feeder: LineFeeder, _ reader: LineReader) {
                self.feeder = feeder
                self.reader = reader
            }
        }
        let start = Unmanaged.passRetained(Start(self, reader)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { argument in
            guard let argument else { return nil }
            let start = Unmanaged<Start>.fromOpaque(argument).takeRetainedValue()
            start.feeder.produce(from: start.reader)
            return nil
        }, start)
        guard result == 0 else {
            Unmanaged<Start>.fromOpaque(start).release()
            return nil
        }
        pthread_detach(thread)
    }

    deinit {
        sem_destroy(space)
        space.deallocate()
    }

    /// The next line, or nil at the end of the input. Suspends (without
    /// blocking the thread) while the reading thread has nothing yet.
    func next() async -> String? {
        while true {
            switch take() {
            case .line(let line): return line
            case .finished: return nil
            case .empty: break
            }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.available > 0 || state.finished { return true }
                    state.consumer = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        }
    }

    private func take() -> Take {
        let (taken, wakeProducer) = state.withLock { state -> (Take, Bool) in
            guard state.available > 0 else { return (state.finished ? .finished : .empty, false) }
            let line = state.lines[state.head]
            state.head += 1
            if state.head >= 1024, state.head * 2 >= state.lines.count {
                state.lines.removeFirst(state.head)
                state.head = 0
            }
            if state.producerWaiting, state.available <= capacity / 2 {
                state.producerWaiting = false
                return (.line(line), true)
            }
            return (.line(line), false)
        }
        if wakeProducer { sem_post(space) }
        return taken
    }

    /// The reading thread's loop.
    private func produce(from reader: LineReader) {
        while let line = reader.next() {
            while true {
                let (accepted, consumer) = state.withLock {
                    state -> (Bool, CheckedContinuation<Void, Never>?) in
                    if state.available >= capacity {
                        state.producerWaiting = true
                        return (false, nil)
                    }
                    state.lines.append(line)
                    defer { state.consumer = nil }
                    return (true, state.consumer)
                }
                consumer?.resume()
                if accepted { break }
                while sem_wait(space) != 0 && errno == EINTR {}
            }
        }
        let consumer = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.finished = true
            defer { state.consumer = nil }
            return state.consumer
        }
        consumer?.resume()
    }
}
