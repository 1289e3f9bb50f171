import DNSResolver
import DNSTransport
import DNSWire
import Synchronization
import Testing

/// The resolver against an in-process responder that misbehaves on purpose.
/// Loopback only. No test asserts a duration: only outcomes, and that each
/// call returned (every deadline here is well under a second).
@Suite("Resolver fault injection", .serialized)
struct FaultInjectionTests {
    static let name: Name = "host.example.test."

    func resolver(_ servers: [SocketAddress], timeout: Duration = .seconds(3), attempts: Int = 1,
                  cache: Bool = false, configure: (inout ResolverConfiguration) -> Void = { _ in }) -> Resolver {
        var configuration = ResolverConfiguration(servers: servers, timeout: timeout, attempts: attempts,
                                                  cache: .init(enabled: cache))
        configure(&configuration)
        return Resolver(configuration: configuration)
    }

    @Test func normalAnswer() async throws {
        let server = LoopbackResponder { q, _ in [.send(Reply.to(q, answers: [Reply.a(q.questions[0].name, "192.0.2.1")]))] }
        defer { server.stop() }
        let answer = try await resolver([server.address]).query(Self.name, type: .a)
        #expect(answer.addresses == [IPAddress("192.0.2.1")!])
        #expect(answer.attempts.map(\.outcome) == [.response(.noError)])
        // The query carried EDNS with a 1232-octet payload and RD.
        let query = try #require(server.queries.first)
        #expect(query.edns?.udpPayloadSize == 1232)
        #expect(query.header.recursionDesired)
    }

    /// From a task that runs on an event loop, exchanges go through that loop,
    /// not the transport's: here the transport's loop is shut down, so an
    /// exchange on it would fail.
    @Test func exchangesRunOnTheLoopTheTaskRunsOn() async throws {
        let server = LoopbackResponder { q, _ in [.send(Reply.to(q, answers: [Reply.a(q.questions[0].name, "192.0.2.1")]))] }
        defer { server.stop() }
        let gone = EventLoop()
        gone.shutdown()
        let running = EventLoop()
        defer { running.shutdown() }
        let configuration = ResolverConfiguration(servers: [server.address], timeout: .seconds(3), attempts: 1,
                                                  cache: .init(enabled: false))
        let direct = Resolver(configuration: configuration, transport: SocketTransport(eventLoop: gone))
        let answer = try await withTaskExecutorPreference(running) {
            try await direct.query(Self.name, type: .a)
        }
        #expect(answer.addresses == [IPAddress("192.0.2.1")!])
        // Through the transport protocol too (SocketTransport's own path).
        let transport = SocketTransport(eventLoop: gone)
        let query = Message.query(id: 7, name: Self.name, type: .a).encoded()
        let response = try await withTaskExecutorPreference(running) {
            try await transport.exchangeUDP(query, with: server.address, deadline: .now + .seconds(3)) { _, _ in true }
        }
        #expect(try Message(decoding: response).header.id == 7)
        // Outside a loop the transport's own loop is used, and it is gone.
        await #expect(throws: ResolverError.self) { _ = try await direct.query(Self.name, type: .a) }
    }

    @Test func silenceTimesOut() async throws {
        let server = LoopbackResponder { _, _ in [] }
        defer { server.stop() }
        await #expect {
            _ = try await resolver([server.address], timeout: .milliseconds(200), attempts: 2).query(Self.name, type: .a)
        } throws: { error in
            guard let error = error as? ResolverError else { return false }
            return error.attempts.count == 2 && error.attempts.allSatisfy { $0.outcome == .timeout }
        }
        #expect(server.udpQueries.load(ordering: .relaxed) == 2)
    }

    @Test func answerDelayedPastTheTimeoutIsNotTaken() async throws {
        let server = LoopbackResponder { q, _ in [.sleep(milliseconds: 400), .send(Reply.to(q))] }
        defer { server.stop() }
        await #expect(throws: ResolverError.self) {
            _ = try await resolver([server.address], timeout: .milliseconds(150)).query(Self.name, type: .a)
        }
    }

    @Test func wrongIDWrongQuestionAndWrongSourceAreDropped() async throws {
        let server = LoopbackResponder { q, _ in
            let good = Reply.to(q, answers: [Reply.a(q.questions[0].name, "192.0.2.7")])
            return [
                .send(Reply.to(q, answers: [Reply.a(q.questions[0].name, "6.6.6.6")], id: q.header.id &+ 1)),
                .send(Reply.to(q, answers: [Reply.a("evil.test.", "6.6.6.6")], question: Question(name: "evil.test.", type: .a))),
                .send(Reply.to(q, answers: [Reply.a(q.questions[0].name, "6.6.6.6")], question: Question(name: q.questions[0].name, type: .aaaa))),
                .sendFromOtherPort(Reply.to(q, answers: [Reply.a(q.questions[0].name, "6.6.6.6")])),
                .sendFromOtherAddress(Reply.to(q, answers: [Reply.a(q.questions[0].name, "6.6.6.6")])),
                .send([0xFF]),  // garbage
                .sleep(milliseconds: 20),
                .send(good),
            ]
        }
        defer { server.stop() }
        let answer = try await resolver([server.address]).query(Self.name, type: .a)
        #expect(answer.addresses == [IPAddress("192.0.2.7")!])
        #expect(answer.attempts.first?.droppedDatagrams == 6)
    }

    @Test func forgedOnlyMeansTimeout() async throws {
        let server = LoopbackResponder { q, _ in
            [.send(Reply.to(q, id: q.header.id ^ 0x5555)), .sendFromOtherPort(Reply.to(q))]
        }
        defer { server.stop() }
        await #expect {
            _ = try await resolver([server.address], timeout: .milliseconds(400)).query(Self.name, type: .a)
        } throws: { error in
            guard let error = error as? ResolverError, let attempt = error.attempts.first else { return false }
            return attempt.outcome == .timeout && attempt.droppedDatagrams == 2
        }
    }

    @Test func malformedResponseWithOurIDIsReportedOnTimeout() async throws {
        let server = LoopbackResponder { q, _ in
            var bytes = Reply.to(q, answers: [Reply.a(q.questions[0].name, "192.0.2.1")])
            bytes.removeLast(2)  // RDATA cut short
            return [.send(bytes)]
        }
        defer { server.stop() }
        await #expect {
            _ = try await resolver([server.address], timeout: .milliseconds(400)).query(Self.name, type: .a)
        } throws: { error in
            guard let attempt = (error as? ResolverError)?.attempts.first, case .malformed(let decodeError) = attempt.outcome else {
                return false
            }
            return decodeError.isTruncation
        }
    }

    @Test func truncatedAnswerIsAskedAgainOverTCP() async throws {
        let records = (1...40).map { Reply.a(Self.name, "192.0.2.\($0)") }
        let server = LoopbackResponder(udp: { q, _ in [.send(Reply.to(q, truncated: true))] },
                                       tcp: { q, _ in .answer(Reply.to(q, answers: records)) })
        defer { server.stop() }
        let answer = try await resolver([server.address]).query(Self.name, type: .a)
        #expect(answer.records.count == 40)
        #expect(answer.attempts.map(\.transport) == [.udp, .tcp])
        #expect(answer.attempts.map(\.outcome) == [.truncated, .response(.noError)])
    }

    @Test func aTransportOfItsOwnCarriesEveryExchange() async throws {
        // A resolver given its own DNSExchangeTransport (here one that counts
        // and forwards to sockets) sends every query through it: UDP, and TCP
        // after a truncated answer. The filter still checks what comes back.
        let records = (1...3).map { Reply.a(Self.name, "192.0.2.\($0)") }
        let server = LoopbackResponder(udp: { q, _ in
                                           q.questions[0].type == .aaaa ? [.send(Reply.to(q, truncated: true))]
                                               : [.send(Reply.to(q, answers: records))]
                                       },
                                       tcp: { q, _ in .answer(Reply.to(q)) })
        defer { server.stop() }
        let transport = CountingTransport()
        var configuration = ResolverConfiguration(servers: [server.address], timeout: .seconds(3), attempts: 1,
                                                  cache: .init(enabled: false))
        configuration.randomizeCase = true
        let r = Resolver(configuration: configuration, transport: transport)
        let answer = try await r.query(Self.name, type: .a)
        #expect(answer.records.count == 3)
        #expect(transport.counts == (udp: 1, tcp: 0))
        let truncated = try await r.query(Self.name, type: .aaaa)
        #expect(truncated.attempts.map(\.outcome) == [.truncated, .response(.noError)])
        #expect(transport.counts == (udp: 2, tcp: 1))
    }

    @Test(arguments: [
        (LoopbackResponder.TCPBehaviour.closeAfterLengthByte, TransportError.closedMidLength),
        (LoopbackResponder.TCPBehaviour.closeMidMessage(Reply.to(Message.query(id: 0, name: name, type: .a))),
         TransportError.closedMidMessage(received: 0, expected: 0)),
    ])
    func truncatedAnswerWithBrokenTCPIsATransientError(behaviour: LoopbackResponder.TCPBehaviour, expected: TransportError) async throws {
        let server = LoopbackResponder(udp: { q, _ in [.send(Reply.to(q, answers: [Reply.a(q.questions[0].name, "192.0.2.1")], truncated: true))] },
                                       tcp: { _, _ in behaviour })
        defer { server.stop() }
        await #expect {
            _ = try await resolver([server.address]).query(Self.name, type: .a)
        } throws: { error in
            guard let error = error as? ResolverError, case .allServersFailed(_, let attempts) = error,
                  attempts.count == 2, attempts[0].outcome == .truncated,
                  case .transportError(let transportError) = attempts[1].outcome else { return false }
            switch (transportError, expected) {
            case (.closedMidLength, .closedMidLength), (.closedMidMessage, .closedMidMessage): return true
            default: return false
            }
        }
    }

    @Test func truncatedForeverNeverReturnsAPartialAnswer() async throws {
        let server = LoopbackResponder(udp: { q, _ in [.send(Reply.to(q, answers: [Reply.a(q.questions[0].name, "192.0.2.1")], truncated: true))] },
                                       tcp: { q, _ in .answer(Reply.to(q, answers: [Reply.a(q.questions[0].name, "192.0.2.1")], truncated: true)) })
        defer { server.stop() }
        await #expect(throws: ResolverError.self) {
            _ = try await resolver([server.address]).query(Self.name, type: .a)
        }
    }

    @Test func tcpTrickleIsCutAtTheDeadline() async throws {
        let server = LoopbackResponder(udp: { q, _ in [.send(Reply.to(q, truncated: true))] },
                                       tcp: { q, _ in .trickle(Reply.to(q, answers: [Reply.a(q.questions[0].name, "192.0.2.1")]), millisecondsPerByte: 100) })
        defer { server.stop() }
        await #expect {
            _ = try await resolver([server.address], timeout: .milliseconds(400)).query(Self.name, type: .a)
        } throws: { error in
            (error as? ResolverError)?.attempts.last?.outcome == .timeout
        }
    }

    /// One byte per second: the whole answer would take over a minute, and would
    /// be accepted if it arrived. The deadline must cut it.
    @Test func tcpOneBytePerSecondIsCutAtTheDeadline() async throws {
        let records = (1...4).map { Reply.a(Self.name, "192.0.2.\($0)") }
        let server = LoopbackResponder(udp: { q, _ in [.send(Reply.to(q, truncated: true))] },
                                       tcp: { q, _ in .trickle(Reply.to(q, answers: records), millisecondsPerByte: 1000) })
        defer { server.stop() }
        await #expect {
            _ = try await resolver([server.address], timeout: .milliseconds(1500)).query(Self.name, type: .a)
        } throws: { error in
            // (On a starved machine the UDP try itself may time out first; either way no answer is taken.)
            (error as? ResolverError)?.attempts.last?.outcome == .timeout
        }
    }

    /// A TCP server that takes the query and then neither answers nor closes.
    /// It lets go after 30 s, which would show as `closedBeforeResponse`: only
    /// the resolver's own deadline gives `.timeout`.
    @Test(arguments: [false, true])
    func tcpServerThatNeverAnswersNorClosesIsCutAtTheDeadline(tcpOnly: Bool) async throws {
        let server = LoopbackResponder(udp: { q, _ in [.send(Reply.to(q, truncated: true))] },
                                       tcp: { _, _ in .holdOpen })
        defer { server.stop() }
        await #expect {
            _ = try await resolver([server.address], timeout: .milliseconds(500), attempts: 2) { $0.tcpOnly = tcpOnly }
                .query(Self.name, type: .a)
        } throws: { error in
            guard let last = (error as? ResolverError)?.attempts.last else { return false }
            return last.outcome == .timeout && (!tcpOnly || last.transport == .tcp)
        }
    }

    @Test func formerrToEDNSIsRetriedWithoutOPT() async throws {
        let server = LoopbackResponder { q, _ in
            if q.edns != nil { return [.send(Reply.to(q, rcode: .formErr, edns: false))] }
            return [.send(Reply.to(q, answers: [Reply.a(q.questions[0].name, "192.0.2.9")]))]
        }
        defer { server.stop() }
        let answer = try await resolver([server.address]).query(Self.name, type: .a)
        #expect(answer.addresses == [IPAddress("192.0.2.9")!])
        #expect(server.queries.map { $0.edns != nil } == [true, false])
    }

    @Test func servfailOnFirstServerThenAnswerFromSecond() async throws {
        let first = LoopbackResponder { q, _ in [.send(Reply.to(q, rcode: .servFail))] }
        let second = LoopbackResponder { q, _ in [.send(Reply.to(q, answers: [Reply.a(q.questions[0].name, "192.0.2.2")]))] }
        defer { first.stop(); second.stop() }
        let answer = try await resolver([first.address, second.address]).query(Self.name, type: .a)
        #expect(answer.addresses == [IPAddress("192.0.2.2")!])
        #expect(answer.attempts.map(\.outcome) == [.response(.servFail), .response(.noError)])
        #expect(answer.server == second.address)
    }

    @Test func refusedEverywhereKeepsEveryTry() async throws {
        let first = LoopbackResponder { q, _ in [.send(Reply.to(q, rcode: .refused))] }
        let second = LoopbackResponder { q, _ in [.send(Reply.to(q, rcode: .servFail))] }
        defer { first.stop(); second.stop() }
        await #expect {
            _ = try await resolver([first.address, second.address], attempts: 2).query(Self.name, type: .a)
        } throws: { error in
            guard case .allServersFailed(_, let attempts) = error as? ResolverError else { return false }
            return attempts.map(\.outcome) == [.response(.refused), .response(.servFail), .response(.refused), .response(.servFail)]
        }
    }

    @Test func nxdomainAndNodataAreFinal() async throws {
        let first = LoopbackResponder { q, _ in
            let name = q.questions[0].name
            if name == "missing.example.test." { return [.send(Reply.to(q, rcode: .nxDomain, authorities: [Reply.soa("example.test.")]))] }
            return [.send(Reply.to(q, authorities: [Reply.soa("example.test.", minimum: 30)]))]
        }
        let second = LoopbackResponder { q, _ in [.send(Reply.to(q, answers: [Reply.a(q.questions[0].name, "6.6.6.6")]))] }
        defer { first.stop(); second.stop() }
        let r = resolver([first.address, second.address])
        let nx = try await r.query("missing.example.test.", type: .a)
        #expect(nx.isNXDomain)
        #expect(nx.negativeTTL == 60)
        let nodata = try await r.query(Self.name, type: .a)
        #expect(nodata.isNoData && !nodata.isNXDomain)
        #expect(nodata.negativeTTL == 30)
        #expect(second.udpQueries.load(ordering: .relaxed) == 0)
    }

    @Test func cacheServesRepeatsAndNegativeAnswers() async throws {
        let server = LoopbackResponder { q, _ in
            if q.questions[0].type == .aaaa { return [.send(Reply.to(q, authorities: [Reply.soa("example.test.")]))] }
            if q.questions[0].type == .mx { return [.send(Reply.to(q))] }  // NODATA without SOA: not cached
            return [.send(Reply.to(q, answers: [Reply.a(q.questions[0].name, "192.0.2.3", ttl: 100)]))]
        }
        defer { server.stop() }
        let r = resolver([server.address], cache: true)
        _ = try await r.query(Self.name, type: .a)
        let again = try await r.query("HOST.example.TEST.", type: .a)
        #expect(again.fromCache)
        #expect(again.records.first?.ttl ?? 0 <= 100)
        _ = try await r.query(Self.name, type: .aaaa)
        #expect(try await r.query(Self.name, type: .aaaa).fromCache)
        _ = try await r.query(Self.name, type: .mx)
        #expect(try await !r.query(Self.name, type: .mx).fromCache)
        #expect(server.udpQueries.load(ordering: .relaxed) == 4)
    }

    @Test func identicalQuestionsInFlightAreMerged() async throws {
        let server = LoopbackResponder { q, _ in [.sleep(milliseconds: 100), .send(Reply.to(q, answers: [Reply.a(q.questions[0].name, "192.0.2.4")]))] }
        defer { server.stop() }
        let r = resolver([server.address])
        let results = await withTaskGroup(of: [IPAddress].self) { group in
            for _ in 0..<50 { group.addTask { (try? await r.query(Self.name, type: .a).addresses) ?? [] } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 50)
        #expect(results.allSatisfy { $0 == [IPAddress("192.0.2.4")!] })
        #expect(server.udpQueries.load(ordering: .relaxed) == 1)
    }

    /// Asks the same question twice: the second time once the first query
    /// has reached `server` (so its flight is in the air to be joined).
    func askTwice(_ r: Resolver, _ server: LoopbackResponder) async throws
        -> (first: Task<DNSAnswer, any Error>, joined: Task<DNSAnswer, any Error>) {
        let first = Task { try await r.query(Self.name, type: .a) }
        for _ in 0..<500 where server.udpQueries.load(ordering: .relaxed) == 0 { try await Task.sleep(for: .milliseconds(10)) }
        return (first, Task { try await r.query(Self.name, type: .a) })
    }

    @Test func aCancelledFirstAskerDoesNotCancelTheAskersThatJoinedIt() async throws {
        // The first query gets no answer; any later one is answered at once.
        let count = Atomic<Int>(0)
        let responder = LoopbackResponder { q, _ in
            count.add(1, ordering: .relaxed).oldValue == 0
                ? []
                : [.send(Reply.to(q, answers: [Reply.a(q.questions[0].name, "192.0.2.6")]))]
        }
        defer { responder.stop() }
        let (first, joined) = try await askTwice(resolver([responder.address], timeout: .seconds(30)), responder)
        try await Task.sleep(for: .milliseconds(200))
        // It joined the first asker's flight instead of asking itself.
        #expect(responder.udpQueries.load(ordering: .relaxed) == 1)
        first.cancel()
        await #expect {
            _ = try await first.value
        } throws: { error in
            if case .cancelled = error as? ResolverError { return true }
            return false
        }
        // The joined asker was not cancelled itself: it asks again and gets the answer.
        #expect(try await joined.value.addresses == [IPAddress("192.0.2.6")!])
        #expect(responder.udpQueries.load(ordering: .relaxed) == 2)
    }

    @Test func aCancelledJoinedAskerLeavesWhileTheFirstGoesOn() async throws {
        let server = LoopbackResponder { q, _ in
            [.sleep(milliseconds: 600), .send(Reply.to(q, answers: [Reply.a(q.questions[0].name, "192.0.2.7")]))]
        }
        defer { server.stop() }
        let (first, joined) = try await askTwice(resolver([server.address], timeout: .seconds(30)), server)
        try await Task.sleep(for: .milliseconds(50))
        joined.cancel()
        await #expect {
            _ = try await joined.value
        } throws: { error in
            if case .cancelled = error as? ResolverError { return true }
            return false
        }
        #expect(try await first.value.addresses == [IPAddress("192.0.2.7")!])
        #expect(server.udpQueries.load(ordering: .relaxed) == 1)
    }

    @Test func cancellationStopsTheQueryAndClosesItsSocket() async throws {
        let server = LoopbackResponder { q, _ in q.questions[0].name == "warm.test." ? [.send(Reply.to(q))] : [] }
        defer { server.stop() }
        let r = resolver([server.address], timeout: .seconds(30))
        _ = try await r.query("warm.test.", type: .a)  // starts the shared event loop (its own descriptors stay)
        // Task.sleep makes the concurrency runtime open a timerfd of its own once.
        try await Task.sleep(for: .milliseconds(1))
        let before = openSocketCount()
        let task = Task { try await r.query(Self.name, type: .a) }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        await #expect {
            _ = try await task.value
        } throws: { error in
            if case .cancelled = error as? ResolverError { return true }
            return false
        }
        // The waiter returns at once; the query's own task closes its socket
        // as it unwinds. Poll for that (bounded), then require it.
        for _ in 0..<1500 where openSocketCount() > before { try await Task.sleep(for: .milliseconds(20)) }
        #expect(openSocketCount() <= before)
    }

    @Test func caseRandomisationRequiresAnExactEcho() async throws {
        let echo = LoopbackResponder { q, _ in [.send(Reply.to(q, answers: [Reply.a(q.questions[0].name, "192.0.2.5")]))] }
        let lowercasing = LoopbackResponder { q, _ in
            let lowered = Question(name: q.questions[0].name.lowercased(), type: .a)
            return [.send(Reply.to(q, answers: [Reply.a(lowered.name, "192.0.2.5")], question: lowered))]
        }
        defer { echo.stop(); lowercasing.stop() }
        let long: Name = "abcdefghijklmnopqrstuvwxyz.example.test."
        let ok = try await resolver([echo.address]) { $0.randomizeCase = true }.query(long, type: .a)
        #expect(ok.addresses == [IPAddress("192.0.2.5")!])
        // The name on the wire is the same name in another spelling (all 26
        // letters lower case by chance: probability 2^-26).
        let sent = try #require(echo.queries.first?.questions.first?.name)
        #expect(sent == long)
        #expect(!sent.isIdentical(to: long))
        await #expect(throws: ResolverError.self) {
            _ = try await resolver([lowercasing.address]) { $0.randomizeCase = true }.query(long, type: .a)
        }
    }

    @Test func cnameChainIsFollowedAndLoopsAreCaught() async throws {
        let server = LoopbackResponder { q, _ in
            let name = q.questions[0].name
            if name == "loop.example.test." {
                return [.send(Reply.to(q, answers: [
                    ResourceRecord(name: "loop.example.test.", ttl: 60, data: .cname("loop2.example.test.")),
                    ResourceRecord(name: "loop2.example.test.", ttl: 60, data: .cname("loop.example.test.")),
                ]))]
            }
            return [.send(Reply.to(q, answers: [
                ResourceRecord(name: name, ttl: 60, data: .cname("b.example.test.")),
                ResourceRecord(name: "b.example.test.", ttl: 60, data: .cname("c.example.test.")),
                Reply.a("c.example.test.", "192.0.2.6"),
                Reply.a("unrelated.example.test.", "6.6.6.6"),
            ]))]
        }
        defer { server.stop() }
        let r = resolver([server.address])
        let answer = try await r.query("a.example.test.", type: .a)
        #expect(answer.addresses == [IPAddress("192.0.2.6")!])
        #expect(answer.canonicalName == "c.example.test.")
        #expect(answer.aliases == ["a.example.test.", "b.example.test."])
        await #expect {
            _ = try await r.query("loop.example.test.", type: .a)
        } throws: { error in
            if case .cnameChainTooLong = error as? ResolverError { return true }
            return false
        }
    }

    @Test func rotateSpreadsQueriesOverServers() async throws {
        let a = LoopbackResponder { q, _ in [.send(Reply.to(q))] }
        let b = LoopbackResponder { q, _ in [.send(Reply.to(q))] }
        defer { a.stop(); b.stop() }
        let r = resolver([a.address, b.address]) { $0.rotate = true }
        for i in 0..<10 { _ = try await r.query(try Name(parsing: "n\(i).example.test."), type: .a) }
        #expect(a.udpQueries.load(ordering: .relaxed) == 5)
        #expect(b.udpQueries.load(ordering: .relaxed) == 5)
    }

    @Test func tcpOnlySkipsUDP() async throws {
        let server = LoopbackResponder(udp: { q, _ in [.send(Reply.to(q))] },
                                       tcp: { q, _ in .answer(Reply.to(q, answers: [Reply.a(q.questions[0].name, "192.0.2.8")])) })
        defer { server.stop() }
        let answer = try await resolver([server.address]) { $0.tcpOnly = true }.query(Self.name, type: .a)
        #expect(answer.addresses == [IPAddress("192.0.2.8")!])
        #expect(server.udpQueries.load(ordering: .relaxed) == 0)
    }

    @Test func manyConcurrentQueriesLoseNothingAndLeakNoDescriptors() async throws {
        let server = LoopbackResponder { q, _ in [.send(Reply.to(q, answers: [Reply.a(q.questions[0].name, "192.0.2.10")]))] }
        defer { server.stop() }
        let r = resolver([server.address], timeout: .seconds(5), attempts: 2) { $0.maxInFlight = 256 }
        let before = openSocketCount()
        let answered = await withTaskGroup(of: Bool.self) { group in
            for i in 0..<1000 {
                group.addTask {
                    let name = try! Name(parsing: "q\(i).example.test.")
                    return (try? await r.query(name, type: .a).addresses.count) == 1
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(answered == 1000)
        // Other suites run in parallel and open sockets of their own: wait
        // (up to 30 s, longer than the whole run) for the count to come back,
        // then require it. A real leak never comes back.
        for _ in 0..<1500 where openSocketCount() > before { try await Task.sleep(for: .milliseconds(20)) }
        #expect(openSocketCount() <= before)
    }
}

/// Forwards to a ``SocketTransport`` and counts the exchanges.
final class CountingTransport: DNSExchangeTransport {
    private let sockets = SocketTransport()
    private let tallies = Mutex((udp: 0, tcp: 0))

    var counts: (udp: Int, tcp: Int) { tallies.withLock { $0 } }

    func exchangeUDP(_ query: [UInt8], with server: SocketAddress, deadline: ContinuousClock.Instant,
                     accept: @escaping @Sendable (_ datagram: [UInt8], _ source: SocketAddress) -> Bool)
        async throws(TransportError) -> [UInt8] {
        tallies.withLock { $0.udp += 1 }
        return try await sockets.exchangeUDP(query, with: server, deadline: deadline, accept: accept)
    }

    func exchangeTCP(_ query: [UInt8], with server: SocketAddress, deadline: ContinuousClock.Instant)
        async throws(TransportError) -> [UInt8] {
        tallies.withLock { $0.tcp += 1 }
        return try await sockets.exchangeTCP(query, with: server, deadline: deadline)
    }
}
