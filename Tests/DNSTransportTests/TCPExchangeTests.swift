import DNSTransport
@preconcurrency import Glibc
import Testing

extension SocketTests {
    @Suite("TCP exchange")
    struct TCPExchangeTests {
        let loop = EventLoop()

        /// A server that answers one framed query with the bytes reversed, in three writes.
        static func reversingServer(family: SocketAddress.Family = .ipv4) throws(TestError) -> TCPTestServer {
            try TCPTestServer(family: family) { connection in
                guard let query = connection.readFramedMessage() else { return }
                let framed = TCPConnection.framed(query.reversed())
                // Length byte, then the other length byte plus part of the body, then the rest.
                let cut = min(framed.count, 4)
                connection.write(Array(framed[..<1]))
                usleep(5000)
                connection.write(Array(framed[1..<cut]))
                usleep(5000)
                connection.write(Array(framed[cut...]))
            }
        }

        @Test func answersOverIPv4() async throws {
            let server = try Self.reversingServer()
            defer { server.stop() }
            let response = try await loop.tcpExchange(
                [1, 2, 3, 4, 5],
                to: server.address,
                deadline: deadline(in: 5000)
            )
            #expect(response == [5, 4, 3, 2, 1])
        }

        @Test(.enabled(if: TestSockets.ipv6Available))
        func answersOverIPv6() async throws {
            let server = try Self.reversingServer(family: .ipv6)
            defer { server.stop() }
            let response = try await loop.tcpExchange([9, 8], to: server.address, deadline: deadline(in: 5000))
            #expect(response == [8, 9])
        }

        @Test func largestMessagesBothWays() async throws {
            let server = try TCPTestServer { connection in
                guard let query = connection.readFramedMessage() else { return }
                connection.write(TCPConnection.framed(query))
            }
            defer { server.stop() }
            let query = (0..<65535).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            let response = try await loop.tcpExchange(query, to: server.address, deadline: deadline(in: 10_000))
            #expect(response == query)
        }

        @Test func emptyResponseMessage() async throws {
            let server = try TCPTestServer { connection in
                guard connection.readFramedMessage() != nil else { return }
                connection.write([0, 0])
            }
            defer { server.stop() }
            let response = try await loop.tcpExchange([1], to: server.address, deadline: deadline(in: 5000))
            #expect(response == [])
        }

        @Test func closedBeforeResponse() async throws {
            let server = try TCPTestServer { connection in
                _ = connection.readFramedMessage()
            }
            defer { server.stop() }
            let error = await transportError {
                try await loop.tcpExchange([1], to: server.address, deadline: deadline(in: 5000))
            }
            #expect(error == .closedBeforeResponse)
        }

        @Test func closedMidLength() async throws {
            let server = try TCPTestServer { connection in
                guard connection.readFramedMessage() != nil else { return }
                connection.write([0])
            }
            defer { server.stop() }
            let error = await transportError {
                try await loop.tcpExchange([1], to: server.address, deadline: deadline(in: 5000))
            }
            #expect(error == .closedMidLength)
        }

        @Test func closedMidMessage() async throws {
            let server = try TCPTestServer { connection in
                guard connection.readFramedMessage() != nil else { return }
                connection.write([0, 10, 1, 2, 3, 4])
            }
            defer { server.stop() }
            let error = await transportError {
                try await loop.tcpExchange([1], to: server.address, deadline: deadline(in: 5000))
            }
            #expect(error == .closedMidMessage(received: 4, expected: 10))
        }

        @Test func tricklingServerCannotHoldPastTheDeadline() async throws {
            let server = try TCPTestServer { connection in
                guard connection.readFramedMessage() != nil else { return }
                guard connection.write([0, 20]) else { return }
                for byte in 0..<20 where !connection.isStopping() {
                    usleep(200_000)
                    guard connection.write([UInt8(byte)]) else { return }
                }
            }
            defer { server.stop() }
            let start = ContinuousClock.now
            let error = await transportError {
                try await loop.tcpExchange([1], to: server.address, deadline: deadline(in: 500))
            }
            #expect(error == .timeout)
            #expect(ContinuousClock.now - start < .seconds(3))  // The whole response would take 4 s.
        }

        /// One byte a second: the 32-byte response would take half a minute and would
        /// then be returned whole. Only the deadline can make this a timeout.
        @Test func oneBytePerSecondIsCutAtTheDeadline() async throws {
            let server = try TCPTestServer { connection in
                guard connection.readFramedMessage() != nil else { return }
                for byte in TCPConnection.framed([UInt8](repeating: 7, count: 30)) where !connection.isStopping() {
                    guard connection.write([byte]) else { return }
                    for _ in 0..<50 where !connection.isStopping() { usleep(20_000) }
                }
            }
            defer { server.stop() }
            let error = await transportError {
                try await loop.tcpExchange([1], to: server.address, deadline: deadline(in: 1500))
            }
            #expect(error == .timeout)
        }

        /// A server that accepts and then does nothing at all: never reads the query,
        /// never writes, never closes (it lets go after 30 s, which would be
        /// `closedBeforeResponse`). Only the deadline can make this a timeout.
        @Test func silentServerThatNeverClosesIsCutAtTheDeadline() async throws {
            let server = try TCPTestServer { connection in
                for _ in 0..<1500 where !connection.isStopping() { usleep(20_000) }
            }
            defer { server.stop() }
            let error = await transportError {
                try await loop.tcpExchange([1], to: server.address, deadline: deadline(in: 500))
            }
            #expect(error == .timeout)
            #expect(await eventually { server.acceptedCount == 1 })
        }

        @Test func connectionRefused() async throws {
            // Bound but not listening: the kernel answers SYN with RST. Kept open so the port stays ours.
            let (fd, address) = try TestSockets.boundSocket(type: SOCK_STREAM, family: .ipv4)
            defer { close(fd) }
            let error = await transportError {
                try await loop.tcpExchange([1], to: address, deadline: deadline(in: 5000))
            }
            #expect(error == .connectFailed(.connectionRefused))
        }

        @Test func oversizedResponseIsRejectedAfterTheLengthPrefix() async throws {
            let server = try TCPTestServer { connection in
                guard connection.readFramedMessage() != nil else { return }
                connection.write([0x03, 0xe8])  // Announces 1000 bytes, sends none.
                usleep(300_000)
            }
            defer { server.stop() }
            let error = await transportError {
                try await loop.tcpExchange(
                    [1],
                    to: server.address,
                    deadline: deadline(in: 5000),
                    maximumResponseLength: 512
                )
            }
            #expect(error == .messageTooLarge(length: 1000, limit: 512))
        }

        @Test func oversizedQueryIsRejectedWithoutConnecting() async throws {
            let server = try Self.reversingServer()
            defer { server.stop() }
            let error = await transportError {
                try await loop.tcpExchange(
                    [UInt8](repeating: 0, count: 65536),
                    to: server.address,
                    deadline: deadline(in: 5000)
                )
            }
            #expect(error == .messageTooLarge(length: 65536, limit: 65535))
            try await Task.sleep(for: .milliseconds(50))
            #expect(server.acceptedCount == 0)
        }

        @Test func cancellationDuringReadThrowsAndCloses() async throws {
            let server = try TCPTestServer { connection in
                guard connection.readFramedMessage() != nil else { return }
                _ = connection.readExactly(1)  // Returns when the client closes (or after 5 s).
            }
            defer { server.stop() }
            // Start the loop before the baseline.
            _ = await transportError {
                try await loop.tcpExchange([1], to: .loopback(port: 9), deadline: deadline(in: -1))
            }
            let baseline = OpenFileDescriptors.snapshot()
            let address = server.address
            let task = Task {
                await transportError { try await loop.tcpExchange([1], to: address, deadline: deadline(in: 30_000)) }
            }
            #expect(await eventually { server.acceptedCount == 1 })
            try await Task.sleep(for: .milliseconds(50))
            task.cancel()
            #expect(await task.value == .cancelled)
            let leaked = await OpenFileDescriptors.leaked(since: baseline)
            #expect(leaked.isEmpty, "still open: \(leaked.sorted())")
        }
    }
}
