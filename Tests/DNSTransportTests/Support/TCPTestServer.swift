import DNSTransport
@preconcurrency import Glibc
import Synchronization

/// An accepted connection handed to a ``TCPTestServer`` handler. Blocking, with a 5 s read timeout.
struct TCPConnection: Sendable {
    /// The connected descriptor (closed by the server after the handler returns).
    let fd: CInt
    /// `true` once the server is stopping; long-running handlers should return.
    let isStopping: @Sendable () -> Bool

    /// Reads exactly `count` bytes, or `nil` on end of stream, error or timeout.
    func readExactly(_ count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let received = bytes.withUnsafeMutableBytes { raw in
                guard let base = raw.baseAddress else { return -1 }
                return recv(fd, base + offset, count - offset, 0)
            }
            if received < 0 && errno == EINTR { continue }
            guard received > 0 else { return nil }
            offset += received
        }
        return bytes
    }

    /// Reads one length-prefixed DNS message.
    func readFramedMessage() -> [UInt8]? {
        guard let prefix = readExactly(2) else { return nil }
        let length = Int(prefix[0]) << 8 | Int(prefix[1])
        return length == 0 ? [] : readExactly(length)
    }

    /// Writes all of `bytes`; `false` once the peer is gone.
    @discardableResult
    func write(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { return -1 }
                return send(fd, base + offset, bytes.count - offset, CInt(MSG_NOSIGNAL))
            }
            if sent < 0 && errno == EINTR { continue }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    /// `bytes` preceded by the two-byte length.
    static func framed(_ bytes: [UInt8]) -> [UInt8] {
        [UInt8(bytes.count >> 8), UInt8(bytes.count & 0xff)] + bytes
    }
}

/// A blocking loopback TCP server on its own thread, handling connections one at a time.
final class TCPTestServer: Sendable {
    /// Where it listens.
    let address: SocketAddress
    private let fd: CInt
    private let stopping = Atomic<Bool>(false)
    private let accepted = Atomic<Int>(0)
    private let thread: Mutex<TestThread?> = Mutex(nil)

    /// Starts listening on the loopback address of `family`.
    init(
        family: SocketAddress.Family = .ipv4,
        handler: @escaping @Sendable (TCPConnection) -> Void
    ) throws(TestError) {
        (fd, address) = try TestSockets.boundSocket(type: SOCK_STREAM, family: family)
        guard listen(fd, 128) == 0 else {
            close(fd)
            throw TestError("listen failed")
        }
        let started = try TestThread.start { [self] in
            self.serve(handler: handler)
        }
        thread.withLock { $0 = started }
    }

    /// Connections accepted so far.
    var acceptedCount: Int {
        accepted.load(ordering: .acquiring)
    }

    private func serve(handler: @Sendable (TCPConnection) -> Void) {
        while !stopping.load(ordering: .acquiring) {
            guard TestSockets.waitReadable(fd, milliseconds: 20) else { continue }
            let connection = accept(fd, nil, nil)
            guard connection >= 0 else { continue }
            accepted.add(1, ordering: .releasing)
            TestSockets.setReceiveTimeout(connection, milliseconds: 5000)
            handler(TCPConnection(fd: connection, isStopping: { [self] in self.stopping.load(ordering: .acquiring) }))
            close(connection)
        }
    }

    /// Stops the thread and closes the listener.
    func stop() {
        stopping.store(true, ordering: .releasing)
        let running = thread.withLock { thread in
            defer { thread = nil }
            return thread
        }
        if let running {
            running.join()
            close(fd)
        }
    }

    deinit {
        stop()
    }
}
