import DNSTransport
@preconcurrency import Glibc
import Synchronization
import Testing

/// The name of the calling thread, from /proc (as `top -H` shows it).
func currentThreadName() -> String {
    let fd = open("/proc/thread-self/comm", O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return "" }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 32)
    let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    guard count > 0 else { return "" }
    return String(decoding: buffer[..<count], as: UTF8.self).trimmingSuffix("\n")
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}

extension SocketTests {
    /// ``EventLoop`` as a `TaskExecutor`: tasks that prefer it run on its
    /// thread, before and after their exchanges; they are woken from other
    /// threads; and when the loop is gone they run elsewhere rather than hang.
    @Suite("Event loop as task executor")
    struct LoopExecutorTests {
        @Test func tasksThatPreferTheLoopRunOnItsThread() async throws {
            let loop = EventLoop()
            defer { loop.shutdown() }
            let responder = try UDPResponder(largeReceiveBuffer: true) { $0.reply($0.payload) }
            defer { responder.stop() }
            let server = responder.address
            let names = await withTaskGroup(of: [String].self) { group in
                for index in 0..<40 {
                    group.addTask(executorPreference: loop) {
                        var seen = [currentThreadName()]
                        for round in 0..<3 {
                            let query = [UInt8(index), UInt8(round)]
                            let result = try? await loop.udpExchange(query, to: server, deadline: deadline(in: 5000)) {
                                datagram, _ in datagram == query ? .accept : .drop
                            }
                            seen.append(result?.response == query ? currentThreadName() : "no answer")
                        }
                        return seen
                    }
                }
                var all: [String] = []
                for await seen in group { all += seen }
                return all
            }
            #expect(names.count == 160)
            #expect(Set(names) == [EventLoop.threadName])
            // The test's own task is not on the loop.
            #expect(currentThreadName() != EventLoop.threadName)
        }

        @Test func currentIsTheLoopATaskRunsOn() async throws {
            let first = EventLoop()
            let second = EventLoop()
            defer {
                first.shutdown()
                second.shutdown()
            }
            #expect(EventLoop.current == nil)
            let onFirst = await withTaskExecutorPreference(first) { EventLoop.current.map { $0 === first } }
            let onSecond = await withTaskExecutorPreference(second) { EventLoop.current.map { $0 === second } }
            #expect(onFirst == true)
            #expect(onSecond == true)
        }

        @Test func aTaskWokenFromAnotherThreadRunsOnTheLoopAgain() async throws {
            let loop = EventLoop()
            defer { loop.shutdown() }
            // Task.sleep ends on the runtime's timer; the job comes back from
            // another thread while the loop sleeps in epoll_wait.
            let names = await withTaskExecutorPreference(loop) { () async -> [String] in
                var names: [String] = []
                for _ in 0..<5 {
                    try? await Task.sleep(for: .milliseconds(20))
                    names.append(currentThreadName())
                }
                return names
            }
            #expect(names == Array(repeating: EventLoop.threadName, count: 5))
        }

        @Test func afterShutdownTasksRunElsewhere() async throws {
            let loop = EventLoop()
            loop.shutdown()
            let (value, name) = await withTaskExecutorPreference(loop) { () async -> (Int, String) in
                await Task.yield()
                return (42, currentThreadName())
            }
            #expect(value == 42)
            #expect(name != EventLoop.threadName)
        }

        @Test func shutdownWhileTasksWaitOnTheLoopEndsThem() async throws {
            let loop = EventLoop()
            let responder = try UDPResponder { _ in }  // never answers
            defer { responder.stop() }
            let server = responder.address
            let waiting = Task {
                await withTaskExecutorPreference(loop) { () async -> (TransportError?, String) in
                    let error = await transportError {
                        try await loop.udpExchange([1], to: server, deadline: deadline(in: 30_000)) { _, _ in .accept }
                    }
                    return (error, currentThreadName())
                }
            }
            #expect(await eventually { responder.receivedCount == 1 })
            loop.shutdown()
            let (error, name) = await waiting.value
            #expect(error == .eventLoopShutDown)
            // Resumed after the loop was gone: on the global executor.
            #expect(name != EventLoop.threadName)
        }
    }
}
