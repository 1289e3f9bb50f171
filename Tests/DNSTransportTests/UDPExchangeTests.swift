import DNSTransport
@preconcurrency import Glibc
import Synchronization
import Testing

extension SocketTests {
    @Suite("UDP exchange")
    struct UDPExchangeTests {
        let loop = EventLoop()

        @Test func echoOverIPv4() async throws {
            let responder = try UDPResponder { $0.reply($0.payload.reversed()) }
            defer { responder.stop() }
            let server = responder.address
            let result = try await loop.udpExchange([1, 2, 3], to: server, deadline: deadline(in: 5000)) { _, source in
                source == server ? .accept : .drop
            }
            #expect(result.response == [3, 2, 1])
            #expect(result.source == server)
            #expect(result.droppedDatagrams == 0)
        }

        @Test(.enabled(if: TestSockets.ipv6Available))
        func echoOverIPv6() async throws {
            let responder = try UDPResponder(family: .ipv6) { $0.reply($0.payload + [0xff]) }
            defer { responder.stop() }
            let server = responder.address
            #expect(server.description.hasPrefix("[::1]:"))
            let result = try await loop.udpExchange([7], to: server, deadline: deadline(in: 5000)) { _, source in
                source == server ? .accept : .drop
            }
            #expect(result.response == [7, 0xff])
            #expect(result.source == server)
        }

        @Test func datagramFromAnotherPortIsDroppedAndWaitingContinues() async throws {
            let (forgerFD, forger) = try TestSockets.boundSocket(type: SOCK_DGRAM, family: .ipv4)
            defer { close(forgerFD) }
            let responder = try UDPResponder { request in
                request.reply([0xee, 0xee], from: forgerFD)  // Arrives first, from the wrong port.
                request.reply(request.payload)
            }
            defer { responder.stop() }
            let server = responder.address

            let seen = Recorder<SocketAddress>()
            let result = try await loop.udpExchange([4, 2], to: server, deadline: deadline(in: 5000)) { _, source in
                seen.append(source)
                return source == server ? .accept : .drop
            }
            #expect(result.response == [4, 2])
            #expect(result.droppedDatagrams == 1)
            #expect(seen.elements == [forger, server])
        }

        @Test func rejectedContentKeepsWaiting() async throws {
            let responder = try UDPResponder { request in
                request.reply([0, 0])
                request.reply([1, 1, 1])
                request.reply(request.payload)
            }
            defer { responder.stop() }
            let query: [UInt8] = [0x12, 0x34]
            let result = try await loop.udpExchange(query, to: responder.address, deadline: deadline(in: 5000)) {
                datagram,
                _ in
                datagram == query ? .accept : .drop
            }
            #expect(result.response == query)
            #expect(result.droppedDatagrams == 2)
        }

        @Test func largestIPv4Datagram() async throws {
            let big = (0..<65507).map { UInt8(truncatingIfNeeded: $0) }
            let responder = try UDPResponder { $0.reply(big) }
            defer { responder.stop() }
            let result = try await loop.udpExchange([1], to: responder.address, deadline: deadline(in: 5000)) { _, _ in
                .accept
            }
            #expect(result.response == big)
        }

        @Test func silenceTimesOut() async throws {
            let responder = try UDPResponder { _ in }
            defer { responder.stop() }
            let start = ContinuousClock.now
            let error = await transportError {
                try await loop.udpExchange([1], to: responder.address, deadline: deadline(in: 300)) { _, _ in .accept }
            }
            #expect(error == .timeout)
            #expect(ContinuousClock.now - start < .seconds(10))
            #expect(await eventually { responder.receivedCount == 1 })
        }

        @Test func deadlineBoundsAFloodOfDroppedDatagrams() async throws {
            let responder = try UDPResponder { request in
                for _ in 0..<200 { request.reply([0]) }
            }
            defer { responder.stop() }
            let error = await transportError {
                try await loop.udpExchange([1], to: responder.address, deadline: deadline(in: 300)) { _, _ in .drop }
            }
            #expect(error == .timeout)
        }

        @Test func answerAfterManyDroppedDatagramsIsTakenAcrossReadinessTurns() async throws {
            // More datagrams than one readiness turn takes (64): the reception
            // is re-armed, keeps its drop count, and still finds the answer.
            let responder = try UDPResponder { request in
                for _ in 0..<150 { request.reply([0]) }
                request.reply(request.payload)
            }
            defer { responder.stop() }
            let result = try await loop.udpExchange([7, 7], to: responder.address, deadline: deadline(in: 5000)) {
                datagram, _ in datagram == [7, 7] ? .accept : .drop
            }
            #expect(result.response == [7, 7])
            #expect(result.droppedDatagrams == 150)
        }

        @Test func endlessFloodStillEndsAtTheDeadline() async throws {
            // Datagrams keep coming until the responder stops: the exchange
            // must not spin on them past its deadline.
            let stop = Atomic<Bool>(false)
            let responder = try UDPResponder { request in
                while !stop.load(ordering: .relaxed) { request.reply([0]) }
            }
            defer {
                stop.store(true, ordering: .relaxed)
                responder.stop()
            }
            let start = ContinuousClock.now
            let error = await transportError {
                try await loop.udpExchange([1], to: responder.address, deadline: deadline(in: 300)) { _, _ in .drop }
            }
            #expect(error == .timeout)
            #expect(ContinuousClock.now - start < .seconds(10))
        }

        @Test func cancellationThrowsAndClosesTheSocket() async throws {
            let responder = try UDPResponder { _ in }
            defer { responder.stop() }
            let server = responder.address
            // Start the loop (its epoll and eventfd descriptors) before the baseline.
            _ = await transportError {
                try await loop.udpExchange([0], to: server, deadline: deadline(in: -1)) { _, _ in .accept }
            }
            #expect(await eventually { responder.receivedCount == 1 })
            let baseline = OpenFileDescriptors.snapshot()

            let task = Task {
                await transportError {
                    try await loop.udpExchange([1], to: server, deadline: deadline(in: 30_000)) { _, _ in .accept }
                }
            }
            #expect(await eventually { responder.receivedCount == 2 })
            task.cancel()
            #expect(await task.value == .cancelled)
            let leaked = await OpenFileDescriptors.leaked(since: baseline)
            #expect(leaked.isEmpty, "still open: \(leaked.sorted())")
        }

        @Test func alreadyCancelledTaskSendsNothing() async throws {
            let responder = try UDPResponder { $0.reply($0.payload) }
            defer { responder.stop() }
            let server = responder.address
            let task = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return await transportError {
                    try await loop.udpExchange([1], to: server, deadline: deadline(in: 5000)) { _, _ in .accept }
                }
            }
            #expect(await task.value == .cancelled)
            try await Task.sleep(for: .milliseconds(50))
            #expect(responder.receivedCount == 0)
        }

        @Test func oversizedQueryIsRejected() async {
            let error = await transportError {
                try await loop.udpExchange(
                    [UInt8](repeating: 0, count: 65536),
                    to: .loopback(port: 9),
                    deadline: deadline(in: 1000)
                ) { _, _ in .accept }
            }
            #expect(error == .messageTooLarge(length: 65536, limit: 65535))
        }

        @Test func sourcePortsDiffer() async throws {
            let sources = Mutex<Set<UInt16>>([])
            let responder = try UDPResponder { request in
                sources.withLock { _ = $0.insert(request.source.port) }
                request.reply(request.payload)
            }
            defer { responder.stop() }
            for index in 0..<20 {
                _ = try await loop.udpExchange([UInt8(index)], to: responder.address, deadline: deadline(in: 5000)) {
                    _,
                    _ in
                    .accept
                }
            }
            // Fresh socket per exchange: ephemeral ports are not reused back to back.
            #expect(sources.withLock { $0.count } > 10)
        }
    }
}
