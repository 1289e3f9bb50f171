import DNSTransport
import DNSWire
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// What the fault-injecting responder does with one query.
enum ResponderAction: Sendable {
    /// Send these bytes from the server's own socket.
    case send([UInt8])
    /// Send these bytes from another socket (another port on the same address).
    case sendFromOtherPort([UInt8])
    /// Send these bytes from 127.0.0.2 (another loopback address).
    case sendFromOtherAddress([UInt8])
    /// Wait before the next action.
    case sleep(milliseconds: Int)
}

/// An in-process DNS responder on 127.0.0.1 (UDP and TCP on the same port)
/// whose answers are scripted per query, for faults real servers won't make:
/// silence, delays, wrong IDs and questions, answers from other ports,
/// truncation, TCP connections closed mid-message, FORMERR to EDNS.
///
/// Runs on its own threads with blocking sockets and a poll timeout, so it
/// never competes with the resolver's event loop. Loopback only.
final class LoopbackResponder: @unchecked Sendable {
    typealias UDPScript = @Sendable (_ query: Message, _ raw: [UInt8]) -> [ResponderAction]
    typealias TCPScript = @Sendable (_ query: Message, _ raw: [UInt8]) -> TCPBehaviour

    enum TCPBehaviour: Sendable {
        case answer([UInt8])
        case closeAfterLengthByte
        case closeMidMessage([UInt8])
        case trickle([UInt8], millisecondsPerByte: Int)
        case silence
        /// Read the query, then send nothing and keep the connection open until the
        /// responder stops (or 30 s pass: then it closes, which a client that
        /// waited that long sees as `closedBeforeResponse`, not a timeout).
        case holdOpen
    }

    /// Called on the responder's UDP thread for each query, with the client's
    /// source port, before the script's actions run.
    typealias Observer = @Sendable (_ query: Message, _ raw: [UInt8], _ clientPort: UInt16) -> Void

    let port: UInt16
    let address: SocketAddress
    private let udpFD: Int32
    private let tcpFD: Int32
    private let otherFD: Int32
    private let otherAddressFD: Int32
    private let stopped = Atomic<Bool>(false)
    private let udpScript: UDPScript
    private let tcpScript: TCPScript
    private let observer: Observer?
    let udpQueries = Atomic<Int>(0)
    let tcpQueries = Atomic<Int>(0)
    private let received = Mutex<[Message]>([])
    private var threads: [Thread] = []

    init(udp: @escaping UDPScript, tcp: @escaping TCPScript = { _, _ in .silence }, observer: Observer? = nil) {
        udpScript = udp
        tcpScript = tcp
        self.observer = observer
        otherFD = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        otherAddressFD = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        // A UDP port from the kernel, then TCP on the same port; if that TCP
        // port is taken, start over with fresh sockets.
        var udp: Int32 = -1
        var tcp: Int32 = -1
        var bound: UInt16 = 0
        for _ in 0..<100 {
            udp = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            tcp = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            var one: Int32 = 1
            setsockopt(tcp, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            if LoopbackResponder.bind(udp, port: 0) == 0 {
                let p = LoopbackResponder.localPort(udp)
                if LoopbackResponder.bind(tcp, port: p) == 0 {
                    bound = p
                    break
                }
            }
            close(udp)
            close(tcp)
        }
        precondition(bound != 0, "no loopback port for the test responder")
        udpFD = udp
        tcpFD = tcp
        LoopbackResponder.bind(otherFD, port: 0)
        LoopbackResponder.bind(otherAddressFD, port: 0, address: 0x7F00_0002)
        listen(tcpFD, 64)
        port = bound
        address = SocketAddress(ipv4: 127, 0, 0, 1, port: bound)
        let udpThread = Thread { [unowned self] in self.udpLoop() }
        let tcpThread = Thread { [unowned self] in self.tcpLoop() }
        threads = [udpThread, tcpThread]
        udpThread.start()
        tcpThread.start()
    }

    /// The queries received so far (UDP and TCP), decoded.
    var queries: [Message] { received.withLock { $0 } }

    func stop() {
        stopped.store(true, ordering: .relaxed)
        // Threads notice within one poll timeout; give them time to exit before closing.
        usleep(120_000)
        close(udpFD)
        close(tcpFD)
        close(otherFD)
        close(otherAddressFD)
    }

    @discardableResult
    static func bind(_ fd: Int32, port: UInt16, address host: UInt32 = 0x7F00_0001) -> Int32 {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = host.bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }

    static func localPort(_ fd: Int32) -> UInt16 {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return UInt16(bigEndian: address.sin_port)
    }

    private func wait(_ fd: Int32) -> Bool {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&pfd, 1, 50) > 0
    }

    private func udpLoop() {
        var buffer = [UInt8](repeating: 0, count: 65535)
        while !stopped.load(ordering: .relaxed) {
            guard wait(udpFD) else { continue }
            var peer = sockaddr_storage()
            var peerLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let n = buffer.withUnsafeMutableBytes { bytes in
                withUnsafeMutablePointer(to: &peer) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        recvfrom(udpFD, bytes.baseAddress, bytes.count, 0, $0, &peerLength)
                    }
                }
            }
            guard n > 0 else { continue }
            let raw = Array(buffer[0..<n])
            guard let query = try? Message(decoding: raw) else { continue }
            udpQueries.add(1, ordering: .relaxed)
            received.withLock { $0.append(query) }
            if let observer {
                let clientPort = withUnsafePointer(to: &peer) {
                    $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
                }
                observer(query, raw, clientPort)
            }
            for action in udpScript(query, raw) {
                switch action {
                case .send(let bytes): sendTo(udpFD, bytes, &peer, peerLength)
                case .sendFromOtherPort(let bytes): sendTo(otherFD, bytes, &peer, peerLength)
                case .sendFromOtherAddress(let bytes): sendTo(otherAddressFD, bytes, &peer, peerLength)
                case .sleep(let ms): usleep(useconds_t(ms * 1000))
                }
            }
        }
    }

    private func sendTo(_ fd: Int32, _ bytes: [UInt8], _ peer: inout sockaddr_storage, _ length: socklen_t) {
        _ = bytes.withUnsafeBytes { buffer in
            withUnsafePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, buffer.baseAddress, buffer.count, 0, $0, length) }
            }
        }
    }

    private func tcpLoop() {
        while !stopped.load(ordering: .relaxed) {
            guard wait(tcpFD) else { continue }
            let client = accept(tcpFD, nil, nil)
            guard client >= 0 else { continue }
            let thread = Thread { [unowned self] in
                self.serveTCP(client)
                close(client)
            }
            thread.start()
        }
    }

    private func readExactly(_ fd: Int32, _ count: Int) -> [UInt8]? {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: max(count, 1))
        while out.count < count {
            guard wait(fd) || !stopped.load(ordering: .relaxed) else { return nil }
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, count - out.count) }
            if n <= 0 { return nil }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    private func serveTCP(_ fd: Int32) {
        guard let prefix = readExactly(fd, 2) else { return }
        let length = Int(prefix[0]) << 8 | Int(prefix[1])
        guard let raw = readExactly(fd, length), let query = try? Message(decoding: raw) else { return }
        tcpQueries.add(1, ordering: .relaxed)
        received.withLock { $0.append(query) }
        func write(_ bytes: [UInt8]) { _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } }
        switch tcpScript(query, raw) {
        case .answer(let bytes): write([UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)] + bytes)
        case .closeAfterLengthByte: write([0])
        case .closeMidMessage(let bytes): write([UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)] + bytes.prefix(bytes.count / 2))
        case .trickle(let bytes, let ms):
            for byte in [UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)] + bytes {
                if stopped.load(ordering: .relaxed) { return }
                write([byte])
                usleep(useconds_t(ms * 1000))
            }
        case .silence:
            for _ in 0..<40 where !stopped.load(ordering: .relaxed) { usleep(50_000) }
        case .holdOpen:
            for _ in 0..<1500 where !stopped.load(ordering: .relaxed) { usleep(20_000) }
        }
    }
}

/// Builds responses to a query.
enum Reply {
    /// A response echoing the query's ID and question.
    static func to(_ query: Message, rcode: ResponseCode = .noError, answers: [ResourceRecord] = [],
                   authorities: [ResourceRecord] = [], truncated: Bool = false, id: UInt16? = nil,
                   question: Question? = nil, edns: Bool? = nil) -> [UInt8] {
        var header = Header(id: id ?? query.header.id)
        header.isResponse = true
        header.recursionDesired = query.header.recursionDesired
        header.recursionAvailable = true
        header.isTruncated = truncated
        var response = Message(header: header, questions: question.map { [$0] } ?? query.questions, answers: answers,
                               authorities: authorities, edns: (edns ?? (query.edns != nil)) ? EDNS() : nil)
        response.rcode = rcode
        return response.encoded()
    }

    static func a(_ name: Name, _ address: String, ttl: UInt32 = 300) -> ResourceRecord {
        ResourceRecord(name: name, ttl: ttl, data: .a(IPv4Address(address)!))
    }

    static func soa(_ zone: Name, minimum: UInt32 = 60, ttl: UInt32 = 300) -> ResourceRecord {
        ResourceRecord(name: zone, ttl: ttl, data: .soa(SOAData(mname: "ns.test.", rname: "hostmaster.test.", serial: 1,
                                                              refresh: 1, retry: 1, expire: 1, minimum: minimum)))
    }
}

/// The number of sockets this process has open (entries of /proc/self/fd that
/// are sockets). Other descriptors are left out on purpose: the concurrency
/// runtime's timerfd, or ThreadSanitizer's pipes to its symbolizer, come and go
/// on their own and are not what a leak test is about.
func openSocketCount() -> Int {
    guard let dir = opendir("/proc/self/fd") else { return -1 }
    defer { closedir(dir) }
    var count = 0
    var target = [CChar](repeating: 0, count: 64)
    while let entry = readdir(dir) {
        // Read d_name in place, up to its NUL: copying the whole dirent (`entry.pointee`) could read
        // past the end of readdir's buffer, since glibc packs short entries.
        let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name) ?? 19
        let name = String(cString: (UnsafeRawPointer(entry) + nameOffset).assumingMemoryBound(to: CChar.self))
        guard name != ".", name != ".." else { continue }
        let length = readlink("/proc/self/fd/" + name, &target, target.count - 1)
        guard length > 0 else { continue }
        if String(decoding: target[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self).hasPrefix("socket:") {
            count += 1
        }
    }
    return count
}
