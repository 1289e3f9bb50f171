import DNSTransport
@preconcurrency import Glibc
import Testing

extension SocketTests {
    @Suite("Concurrency")
    struct ConcurrencyTests {
        /// Raises the soft descriptor limit to at least `minimum` (or the hard limit) for this process.
        static func raiseDescriptorLimit(to minimum: rlim_t) {
            let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
            var limit = rlimit()
            guard getrlimit(resource, &limit) == 0, limit.rlim_cur < minimum else { return }
            limit.rlim_cur = min(minimum, limit.rlim_max)
            _ = setrlimit(resource, &limit)
        }

        @Test func twoThousandConcurrentUDPExchanges() async throws {
            Self.raiseDescriptorLimit(to: 4096)  // 2000 sockets at once do not fit a 1024 soft limit.
            let loop = EventLoop()
            let responder = try UDPResponder(largeReceiveBuffer: true) { $0.reply($0.payload) }
            defer { responder.stop() }
            let server = responder.address
            _ = try await loop.udpExchange([0], to: server, deadline: deadline(in: 5000)) { _, _ in .accept }
            let baseline = OpenFileDescriptors.snapshot()

            let answered = await withTaskGroup(of: Bool.self) { group in
                for index in 0..<2000 {
                    group.addTask {
                        let query = [UInt8(index >> 8), UInt8(index & 0xff), 0x5a]
                        let result = try? await loop.udpExchange(query, to: server, deadline: deadline(in: 20_000)) {
                            datagram,
                            source in
                            source == server && datagram == query ? .accept : .drop
                        }
                        return result?.response == query
                    }
                }
                var count = 0
                for await ok in group where ok { count += 1 }
                return count
            }
            #expect(answered == 2000)
            let leaked = await OpenFileDescriptors.leaked(since: baseline)
            #expect(leaked.isEmpty, "still open: \(leaked.sorted())")
        }

        @Test func limiterCapsConcurrentExchanges() async throws {
            let loop = EventLoop()
            let responder = try UDPResponder(largeReceiveBuffer: true) { $0.reply($0.payload) }
            defer { responder.stop() }
            let server = responder.address
            let limiter = AsyncLimiter(limit: 8)
            let gauge = ConcurrencyGauge()

            let answered = await withTaskGroup(of: Bool.self) { group in
                for index in 0..<300 {
                    group.addTask {
                        let result = try? await limiter.withPermit {
                            () async throws(TransportError) -> UDPExchangeResult in
                            gauge.enter()
                            defer { gauge.leave() }
                            return try await loop.udpExchange(
                                [UInt8(index & 0xff)],
                                to: server,
                                deadline: deadline(in: 10_000)
                            ) {
                                _,
                                _ in .accept
                            }
                        }
                        return result != nil
                    }
                }
                var count = 0
                for await ok in group where ok { count += 1 }
                return count
            }
            #expect(answered == 300)
            let highest = gauge.highest
            #expect(highest <= 8)
            #expect(limiter.availablePermits == 8)
        }
    }
}
