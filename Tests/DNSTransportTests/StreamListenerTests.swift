import DNSTransport
@preconcurrency import Glibc
import Testing

/// Text forms of listening addresses.
@Suite("ListenAddress parsing")
struct ListenAddressTests {
    @Test(arguments: [
        ("127.0.0.1:10040", "127.0.0.1:10040"),
        ("127.0.0.1:0", "127.0.0.1:0"),
        ("[::1]:10040", "[::1]:10040"),
        ("unix:/run/fcrdns/policy.sock", "unix:/run/fcrdns/policy.sock"),
        ("unix:relative.sock", "unix:relative.sock"),
    ])
    func parses(text: String, description: String) {
        #expect(ListenAddress(parsing: text)?.description == description)
    }

    @Test(arguments: [
        "127.0.0.1", "::1", "[::1]", "localhost:25", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:+5",
        "[::1]10040", "unix:", "unix:" + String(repeating: "a", count: 200), "", "1.2.3:4",
    ])
    func rejects(text: String) {
        #expect(ListenAddress(parsing: text) == nil)
    }
}

extension SocketTests {
    /// The server side: a listener and its accepted connections on the event loop.
    @Suite("Stream listener")
    struct StreamListenerTests {
        let loop = EventLoop()

        /// A blocking client socket connected to `address` (completes through the listen backlog).
        static func connect(to address: SocketAddress) throws(TestError) -> CInt {
            let fd = socket(address.family == .ipv4 ? AF_INET : AF_INET6, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw TestError("socket: \(Errno(rawValue: errno))") }
            var (storage, length) = TestSockets.sockaddr(for: address)
            let result = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: Glibc.sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) }
            }
            guard result == 0 else {
                let error = Errno(rawValue: errno)
                close(fd)
                throw TestError("connect: \(error)")
            }
            return fd
        }

        static func connect(unixPath path: String) throws(TestError) -> CInt {
            let fd = socket(AF_UNIX, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw TestError("socket: \(Errno(rawValue: errno))") }
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: Glibc.sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            guard result == 0 else {
                let error = Errno(rawValue: errno)
                close(fd)
                throw TestError("connect: \(error)")
            }
            return fd
        }

        /// Reads what arrives on a blocking client socket within `milliseconds`.
        static func read(_ fd: CInt, milliseconds: CInt = 5000) -> [UInt8]? {
            guard TestSockets.waitReadable(fd, milliseconds: milliseconds) else { return nil }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            return count < 0 ? nil : Array(buffer[..<count])
        }

        static func write(_ fd: CInt, _ text: String) {
            _ = Array(text.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, CInt(MSG_NOSIGNAL)) }
        }

        static func temporaryPath() -> String {
            "/tmp/fcrdns-listener-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        }

        /// One round trip each way, then end of stream.
        func exchange(_ listener: StreamListener, client: CInt) async throws {
            let connection = try await listener.accept()
            Self.write(client, "hello")
            var received: [UInt8] = []
            while received.count < 5 {
                let chunk = try await connection.receive(deadline: deadline(in: 5000))
                try #require(!chunk.isEmpty)
                received += chunk
            }
            #expect(received == Array("hello".utf8))
            try await connection.send(Array("world".utf8), deadline: deadline(in: 5000))
            #expect(Self.read(client) == Array("world".utf8))
            close(client)
            #expect(try await connection.receive(deadline: deadline(in: 5000)) == [])
            connection.close()
            connection.close()  // idempotent
        }

        @Test func acceptsOverIPv4OnAKernelPickedPort() async throws {
            let listener = try StreamListener(listeningOn: .inet(.loopback(port: 0)), loop: loop)
            defer { listener.close() }
            guard case .inet(let address) = listener.address else {
                Issue.record("not an inet address: \(listener.address)")
                return
            }
            #expect(address.port != 0)
            let client = try Self.connect(to: address)
            try await exchange(listener, client: client)
        }

        @Test(.enabled(if: TestSockets.ipv6Available))
        func acceptsOverIPv6() async throws {
            let listener = try StreamListener(listeningOn: .inet(.loopback(.ipv6, port: 0)), loop: loop)
            defer { listener.close() }
            guard case .inet(let address) = listener.address else { return }
            let client = try Self.connect(to: address)
            let connection = try await listener.accept()
            #expect(connection.peer?.family == .ipv6)
            #expect(connection.peer?.isLoopback == true)
            close(client)
        }

        @Test func unixSocketModeStaleFileAndRemoval() async throws {
            let path = Self.temporaryPath()
            // A stale socket file: bound once, never listened on, left behind.
            let stale = socket(AF_UNIX, CInt(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
            _ = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: Glibc.sockaddr.self, capacity: 1) {
                    bind(stale, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            close(stale)

            let listener = try StreamListener(listeningOn: .unix(path: path), unixSocketMode: 0o640, loop: loop)
            var info = stat()
            #expect(lstat(path, &info) == 0)
            #expect(info.st_mode & 0o777 == 0o640)
            let client = try Self.connect(unixPath: path)
            let connection = try await listener.accept()
            #expect(connection.peer == nil)
            Self.write(client, "x")
            #expect(try await connection.receive(deadline: deadline(in: 5000)) == [UInt8(ascii: "x")])
            close(client)
            // A second listener on a live socket is refused, and leaves the file alone
            // (its probe is a connection the first listener sees open and close).
            #expect(throws: TransportError.socketFailed(.addressInUse)) {
                try StreamListener(listeningOn: .unix(path: path), loop: loop)
            }
            #expect(lstat(path, &info) == 0)
            let probe = try await listener.accept()
            #expect(try await probe.receive(deadline: deadline(in: 5000)) == [])
            listener.close()
            #expect(lstat(path, &info) != 0, "the socket file is removed on close")
        }

        @Test func secondListenerOnTheSamePortFails() throws {
            let first = try StreamListener(listeningOn: .inet(.loopback(port: 0)), loop: loop)
            defer { first.close() }
            #expect(throws: TransportError.socketFailed(.addressInUse)) {
                try StreamListener(listeningOn: first.address, loop: loop)
            }
        }

        @Test func receiveTimesOutAndAcceptIsCancellable() async throws {
            let listener = try StreamListener(listeningOn: .inet(.loopback(port: 0)), loop: loop)
            defer { listener.close() }
            guard case .inet(let address) = listener.address else { return }
            let client = try Self.connect(to: address)
            defer { close(client) }
            let connection = try await listener.accept()
            #expect(await transportError { try await connection.receive(deadline: deadline(in: 50)) } == .timeout)

            let waiting = Task { await transportError { try await listener.accept() } }
            try await Task.sleep(for: .milliseconds(50))
            waiting.cancel()
            #expect(await waiting.value == .cancelled)
        }

        @Test func sendingToAGonePeerFailsWithoutSIGPIPE() async throws {
            let listener = try StreamListener(listeningOn: .inet(.loopback(port: 0)), loop: loop)
            defer { listener.close() }
            guard case .inet(let address) = listener.address else { return }
            let client = try Self.connect(to: address)
            let connection = try await listener.accept()
            close(client)
            let chunk = [UInt8](repeating: 0x41, count: 65_536)
            var failure: TransportError? = nil
            for _ in 0..<100 where failure == nil {
                failure = await transportError { try await connection.send(chunk, deadline: deadline(in: 5000)) }
            }
            let expected: Set<TransportError> = [.sendFailed(.brokenPipe), .sendFailed(.connectionReset)]
            #expect(failure.map { expected.contains($0) } == true, "\(String(describing: failure))")
        }

        @Test func noDescriptorLeaks() async throws {
            // Warm up the loop (its epoll and eventfd descriptors stay open).
            let warm = try StreamListener(listeningOn: .inet(.loopback(port: 0)), loop: loop)
            let warmTask = Task { await transportError { try await warm.accept() } }
            try await Task.sleep(for: .milliseconds(20))
            warmTask.cancel()
            _ = await warmTask.value
            warm.close()

            let baseline = OpenFileDescriptors.snapshot()
            do {
                let listener = try StreamListener(listeningOn: .inet(.loopback(port: 0)), loop: loop)
                guard case .inet(let address) = listener.address else { return }
                for _ in 0..<10 {
                    let client = try Self.connect(to: address)
                    try await exchange(listener, client: client)
                }
                // Dropped without close(): deinit closes.
                let client = try Self.connect(to: address)
                _ = try await listener.accept()
                close(client)
                listener.close()
            }
            let leaked = await OpenFileDescriptors.leaked(since: baseline)
            #expect(leaked.isEmpty, "still open: \(leaked.sorted())")
        }
    }
}
