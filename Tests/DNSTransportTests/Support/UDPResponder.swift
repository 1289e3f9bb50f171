import DNSTransport
@preconcurrency import Glibc
import Synchronization

/// One datagram received by a ``UDPResponder``.
struct UDPRequest: Sendable {
    /// The payload.
    let payload: [UInt8]
    /// Who sent it (the exchange's ephemeral port).
    let source: SocketAddress
    /// The responder's socket.
    let responderFD: CInt

    /// Answers from the responder's own address.
    func reply(_ bytes: [UInt8]) {
        TestSockets.send(bytes, from: responderFD, to: source)
    }

    /// Answers from another socket (a different source port: a "forged" reply).
    func reply(_ bytes: [UInt8], from fd: CInt) {
        TestSockets.send(bytes, from: fd, to: source)
    }
}

/// A blocking loopback UDP server on its own thread; `handler` sees every datagram.
final class UDPResponder: Sendable {
    /// Where it listens.
    let address: SocketAddress
    private let fd: CInt
    private let stopping = Atomic<Bool>(false)
    private let count = Atomic<Int>(0)
    private let thread: Mutex<TestThread?> = Mutex(nil)

    /// Starts a responder on the loopback address of `family`.
    init(
        family: SocketAddress.Family = .ipv4,
        largeReceiveBuffer: Bool = false,
        handler: @escaping @Sendable (UDPRequest) -> Void
    ) throws(TestError) {
        (fd, address) = try TestSockets.boundSocket(type: SOCK_DGRAM, family: family)
        if largeReceiveBuffer {
            // Root may exceed rmem_max with SO_RCVBUFFORCE; otherwise take what SO_RCVBUF allows.
            if !TestSockets.setOption(fd, SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20) {
                _ = TestSockets.setOption(fd, SOL_SOCKET, SO_RCVBUF, 8 << 20)
            }
        }
        let fd = self.fd
        let started = try TestThread.start { [self] in
            self.serve(fd: fd, handler: handler)
        }
        thread.withLock { $0 = started }
    }

    /// Datagrams received so far.
    var receivedCount: Int {
        count.load(ordering: .acquiring)
    }

    private func serve(fd: CInt, handler: @Sendable (UDPRequest) -> Void) {
        var buffer = [UInt8](repeating: 0, count: 65535)
        while !stopping.load(ordering: .acquiring) {
            guard TestSockets.waitReadable(fd, milliseconds: 20) else { continue }
            while true {
                var storage = sockaddr_storage()
                var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
                let received = buffer.withUnsafeMutableBytes { raw in
                    withUnsafeMutablePointer(to: &storage) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            recvfrom(fd, raw.baseAddress, raw.count, CInt(MSG_DONTWAIT), $0, &length)
                        }
                    }
                }
                guard received >= 0, let source = TestSockets.address(from: storage) else { break }
                count.add(1, ordering: .releasing)
                handler(UDPRequest(payload: Array(buffer[..<received]), source: source, responderFD: fd))
            }
        }
    }

    /// Stops the thread and closes the socket.
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
