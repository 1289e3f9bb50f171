import DNSTransport
import Testing

@Suite("AsyncLimiter")
struct AsyncLimiterTests {
    @Test func limitIsNeverExceeded() async {
        let limiter = AsyncLimiter(limit: 3)
        let gauge = ConcurrencyGauge()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<40 {
                group.addTask {
                    try? await limiter.withPermit { () async throws(TransportError) in
                        gauge.enter()
                        try? await Task.sleep(for: .milliseconds(1))
                        gauge.leave()
                    }
                }
            }
        }
        let highest = gauge.highest
        #expect(highest <= 3)
        #expect(highest >= 1)
        #expect(limiter.availablePermits == 3)
        #expect(limiter.waitingCount == 0)
    }

    @Test func waitersAreServedInArrivalOrder() async throws {
        let limiter = AsyncLimiter(limit: 1)
        try await limiter.acquire()
        let order = Recorder<Int>()
        var tasks: [Task<Void, Never>] = []
        for index in 0..<5 {
            tasks.append(
                Task {
                    try? await limiter.acquire()
                    order.append(index)
                    limiter.release()
                }
            )
            #expect(await eventually { limiter.waitingCount == index + 1 })
        }
        limiter.release()
        for task in tasks { await task.value }
        #expect(order.elements == [0, 1, 2, 3, 4])
        #expect(limiter.availablePermits == 1)
    }

    @Test func cancelledWaiterLeavesTheQueueWithoutAPermit() async throws {
        let limiter = AsyncLimiter(limit: 1)
        try await limiter.acquire()
        let waiter = Task { () -> Bool in
            do {
                try await limiter.acquire()
                return true
            } catch {
                return false
            }
        }
        #expect(await eventually { limiter.waitingCount == 1 })
        waiter.cancel()
        #expect(await waiter.value == false)
        #expect(limiter.waitingCount == 0)
        #expect(limiter.availablePermits == 0)
        limiter.release()
        #expect(limiter.availablePermits == 1)
    }

    @Test func withPermitReportsCancellationAsTransportError() async throws {
        let limiter = AsyncLimiter(limit: 1)
        try await limiter.acquire()
        let ran = Recorder<Bool>()
        let waiter = Task {
            await transportError {
                try await limiter.withPermit { () async throws(TransportError) in ran.append(true) }
            }
        }
        #expect(await eventually { limiter.waitingCount == 1 })
        waiter.cancel()
        #expect(await waiter.value == .cancelled)
        #expect(ran.elements.isEmpty)
        limiter.release()
        #expect(limiter.availablePermits == 1)
    }

    @Test func alreadyCancelledTaskGetsNoPermit() async {
        let limiter = AsyncLimiter(limit: 2)
        let task = Task { () -> Bool in
            withUnsafeCurrentTask { $0?.cancel() }
            do {
                try await limiter.acquire()
                return true
            } catch {
                return false
            }
        }
        #expect(await task.value == false)
        #expect(limiter.availablePermits == 2)
    }

    @Test func permitIsReturnedWhenTheBodyThrows() async {
        let limiter = AsyncLimiter(limit: 2)
        let error = await transportError {
            try await limiter.withPermit { () async throws(TransportError) -> Int in throw .timeout }
        }
        #expect(error == .timeout)
        #expect(limiter.availablePermits == 2)
    }

    @Test func genericWithPermitUsesTheGivenCancellationError() async throws {
        struct Stopped: Error, Equatable {}
        let limiter = AsyncLimiter(limit: 1)
        #expect(try await limiter.withPermit(cancellationError: Stopped()) { () throws(Stopped) in 41 + 1 } == 42)
        try await limiter.acquire()
        let waiter = Task { () -> Stopped? in
            do throws(Stopped) {
                _ = try await limiter.withPermit(cancellationError: Stopped()) { () throws(Stopped) in 0 }
                return nil
            } catch {
                return error
            }
        }
        #expect(await eventually { limiter.waitingCount == 1 })
        waiter.cancel()
        #expect(await waiter.value == Stopped())
        limiter.release()
    }

    @Test func limitIsAtLeastOne() {
        #expect(AsyncLimiter(limit: 0).limit == 1)
        #expect(AsyncLimiter(limit: -3).availablePermits == 1)
    }
}
