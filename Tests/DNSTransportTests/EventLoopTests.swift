import DNSTransport
import Synchronization
import Testing

extension SocketTests {
    @Suite("Event loop")
    struct EventLoopTests {
        @Test func earlierDeadlineWakesASleepingLoop() async throws {
            let loop = EventLoop()
            let responder = try UDPResponder { _ in }
            defer { responder.stop() }
            let server = responder.address
            // The loop now sleeps towards a deadline 30 s away...
            let long = Task {
                await transportError {
                    try await loop.udpExchange([1], to: server, deadline: deadline(in: 30_000)) { _, _ in .accept }
                }
            }
            #expect(await eventually { responder.receivedCount == 1 })
            // ...and must wake for one 200 ms away.
            let start = ContinuousClock.now
            let error = await transportError {
                try await loop.udpExchange([2], to: server, deadline: deadline(in: 200)) { _, _ in .accept }
            }
            #expect(error == .timeout)
            #expect(ContinuousClock.now - start < .seconds(5))
            long.cancel()
            #expect(await long.value == .cancelled)
        }

        @Test func manyStaggeredDeadlinesAllFire() async throws {
            let loop = EventLoop()
            let responder = try UDPResponder { _ in }
            defer { responder.stop() }
            let server = responder.address
            let timeouts = await withTaskGroup(of: TransportError?.self) { group in
                for index in 0..<200 {
                    group.addTask {
                        await transportError {
                            try await loop.udpExchange([1], to: server, deadline: deadline(in: 20 + (index * 37) % 400))
                            { _, _ in
                                .accept
                            }
                        }
                    }
                }
                var count = 0
                for await error in group where error == .timeout { count += 1 }
                return count
            }
            #expect(timeouts == 200)
        }

        @Test func racingReadinessTimeoutAndCancellationResolveOnce() async throws {
            // Deadlines of 0–3 ms against an immediate echo, and every third task cancelled at once:
            // readiness, expiry and cancellation race, and each wait must end exactly once
            // (a double resume of a CheckedContinuation would crash the test process).
            let loop = EventLoop()
            let responder = try UDPResponder(largeReceiveBuffer: true) { $0.reply($0.payload) }
            defer { responder.stop() }
            let server = responder.address
            _ = try await loop.udpExchange([0], to: server, deadline: deadline(in: 5000)) { _, _ in .accept }
            let baseline = OpenFileDescriptors.snapshot()
            let outcomes = Recorder<String>()
            await withTaskGroup(of: Void.self) { group in
                for index in 0..<600 {
                    group.addTask {
                        let task = Task {
                            await transportError {
                                try await loop.udpExchange([1], to: server, deadline: deadline(in: index % 4)) { _, _ in
                                    .accept
                                }
                            }
                        }
                        if index % 3 == 0 { task.cancel() }
                        outcomes.append((await task.value).map { "\($0)" } ?? "answered")
                    }
                }
            }
            #expect(outcomes.elements.count == 600)
            #expect(Set(outcomes.elements).isSubset(of: ["answered", "timed out", "cancelled"]))
            let leaked = await OpenFileDescriptors.leaked(since: baseline)
            #expect(leaked.isEmpty, "still open: \(leaked.sorted())")
        }

        @Test func pastDeadlineTimesOutAtOnce() async throws {
            let loop = EventLoop()
            let responder = try UDPResponder { _ in }
            defer { responder.stop() }
            let error = await transportError {
                try await loop.udpExchange([1], to: responder.address, deadline: .now - .seconds(1)) { _, _ in .accept }
            }
            #expect(error == .timeout)
        }

        @Test func shutdownFailsWaitersAndLaterExchanges() async throws {
            let loop = EventLoop()
            let responder = try UDPResponder { _ in }
            defer { responder.stop() }
            let server = responder.address
            let waiting = Task {
                await transportError {
                    try await loop.udpExchange([1], to: server, deadline: deadline(in: 30_000)) { _, _ in .accept }
                }
            }
            #expect(await eventually { responder.receivedCount == 1 })
            loop.shutdown()
            #expect(await waiting.value == .eventLoopShutDown)
            let later = await transportError {
                try await loop.udpExchange([1], to: server, deadline: deadline(in: 1000)) { _, _ in .accept }
            }
            #expect(later == .eventLoopShutDown)
            loop.shutdown()  // Idempotent.
        }

        @Test func sharedLoopWorks() async throws {
            let responder = try UDPResponder { $0.reply($0.payload) }
            defer { responder.stop() }
            let result = try await EventLoop.shared.udpExchange(
                [5],
                to: responder.address,
                deadline: deadline(in: 5000)
            ) { _, _ in
                .accept
            }
            #expect(result.response == [5])
        }

        @Test func droppedLoopShutsDownItsThread() async throws {
            let responder = try UDPResponder { $0.reply($0.payload) }
            defer { responder.stop() }
            let baseline = OpenFileDescriptors.snapshot()
            do {
                let loop = EventLoop()
                _ = try await loop.udpExchange([5], to: responder.address, deadline: deadline(in: 5000)) { _, _ in
                    .accept
                }
            }
            // epoll and eventfd are closed once the loop and its core are released.
            let leaked = await OpenFileDescriptors.leaked(since: baseline)
            #expect(leaked.isEmpty, "still open: \(leaked.sorted())")
        }
    }
}
