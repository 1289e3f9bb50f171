import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A running `fcrdns policy` subprocess, listening on a loopback port the
/// kernel picked (read from its first log line). Its standard error is
/// collected as it comes, so tests can wait for log lines.
final class PolicyProcess: @unchecked Sendable {
    // @unchecked: `log` is only touched under `lock`; the rest is set in init.
    let process = Process()
    private let lock = NSLock()
    private var log = ""
    /// `127.0.0.1` and the port, or `unix:/path`.
    private(set) var port: UInt16 = 0
    let listen: String

    struct StartError: Error, CustomStringConvertible {
        let description: String
    }

    /// Launches `fcrdns policy --listen LISTEN ARGUMENTS…`; ``start(_:listen:)`` also waits for it.
    private init(_ arguments: [String], listen: String) throws {
        self.listen = listen
        process.executableURL = URL(fileURLWithPath: CLI.executable)
        process.arguments = ["policy", "--listen", listen] + arguments
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        _ = signal(SIGPIPE, SIG_IGN)  // as in CLI.run: a gone peer must not kill the test process
        err.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.withLock { self.log += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
    }

    /// Starts `fcrdns policy --listen LISTEN ARGUMENTS…` (default listen:
    /// 127.0.0.1, any port) and waits for its "listening" line.
    static func start(_ arguments: [String], listen: String = "127.0.0.1:0") async throws -> PolicyProcess {
        let service = try PolicyProcess(arguments, listen: listen)
        guard await service.waitFor({ $0.contains(" listening listen=") }, seconds: 20) else {
            _ = await service.terminate()
            throw StartError(description: "fcrdns policy did not start: \(service.logText)")
        }
        let log = service.logText
        if listen.hasPrefix("127.0.0.1:"), let range = log.range(of: "listening listen=127.0.0.1:") {
            service.port = UInt16(log[range.upperBound...].prefix { $0.isNumber }) ?? 0
        }
        return service
    }

    deinit {
        // Only when a test ended early: never wait here.
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Waits (at most `seconds`, without blocking a thread) for the process
    /// to exit; kills it if it has not by then. Returns whether it exited by itself.
    func waitForExit(seconds: Double = 30) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        let exited = !process.isRunning
        if !exited { kill(process.processIdentifier, SIGKILL) }
        while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
        return exited
    }

    /// Everything logged so far.
    var logText: String { lock.withLock { log } }

    /// The log lines containing `text`.
    func logLines(containing text: String) -> [String] {
        logText.split(separator: "\n").filter { $0.contains(text) }.map(String.init)
    }

    /// Polls the log (every 20 ms, for at most `seconds`) until `condition` holds.
    func waitFor(_ condition: (String) -> Bool, seconds: Double = 30) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition(logText) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition(logText)
    }

    /// A new connection to the service.
    func connect() throws -> PolicyClient {
        if listen.hasPrefix("unix:") { return try PolicyClient(unixPath: String(listen.dropFirst(5))) }
        return try PolicyClient(port: port)
    }

    /// Sends SIGTERM and waits for the exit; returns the exit status, or
    /// -signal, or -9999 when it did not exit within 30 seconds (then it is killed).
    func terminate() async -> Int32 {
        process.terminate()
        guard await waitForExit() else { return -9999 }
        return process.terminationReason == .exit ? process.terminationStatus : -process.terminationStatus
    }
}

/// Runs blocking work on a thread of its own and suspends until it is done,
/// so a test that waits on a socket never holds one of the cooperative
/// pool's few threads (as many as cores), which would stall other tests.
func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
        Thread { continuation.resume(returning: body()) }.start()
    }
}

/// The exit status of `fcrdns ARGUMENTS` (-1 if it could not run), run off the pool.
func fcrdnsStatus(_ arguments: [String]) async -> Int32 {
    await onThread { (try? CLI.run(arguments))?.status ?? -1 }
}

/// A loopback client of the policy protocol. Its reads block a thread of their
/// own (``onThread(_:)``) and give up after `timeout` seconds, so a test never
/// hangs on a server that stays silent. Used by one test at a time.
final class PolicyClient: @unchecked Sendable {
    let fd: Int32

    struct SocketError: Error, CustomStringConvertible {
        let description: String
    }

    /// What a read found.
    enum Reply: Equatable, Sendable {
        /// `action=…` (the value).
        case action(String)
        /// The server closed the connection.
        case closed
        /// Nothing complete arrived in time.
        case timedOut
    }

    init(port: UInt16, timeout: Int = 30) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SocketError(description: "socket: \(errno)") }
        Self.setTimeout(fd, seconds: timeout)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            throw SocketError(description: "connect to 127.0.0.1:\(port): errno \(code)")
        }
    }

    init(unixPath: String, timeout: Int = 30) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SocketError(description: "socket: \(errno)") }
        Self.setTimeout(fd, seconds: timeout)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(unixPath.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes.prefix(raw.count - 1))
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            throw SocketError(description: "connect to \(unixPath): errno \(code)")
        }
    }

    deinit { close(fd) }

    private static func setTimeout(_ fd: Int32, seconds: Int) {
        var value = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Writes raw bytes; false when the connection is gone.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Sends a request with these attributes (in order) and the empty line.
    @discardableResult
    func send(request attributes: [(String, String)]) -> Bool {
        send(attributes.map { "\($0.0)=\($0.1)\n" }.joined() + "\n")
    }

    private var pending: [UInt8] = []

    /// Reads one reply: `action=…\n\n`.
    func readReply() async -> Reply {
        await onThread { self.readReplyBlocking() }
    }

    private func readReplyBlocking() -> Reply {
        while true {
            if let end = Self.find([0x0A, 0x0A], in: pending) {
                let reply = String(decoding: pending[..<end], as: UTF8.self)
                pending.removeFirst(end + 2)
                guard reply.hasPrefix("action=") else { return .action("<not an action: \(reply)>") }
                return .action(String(reply.dropFirst("action=".count)))
            }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { return .closed }
            if count < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK { return .timedOut }
                return .closed  // ECONNRESET and the like
            }
            pending += buffer[..<count]
        }
    }

    /// Sends a request and reads the reply.
    func ask(_ attributes: [(String, String)]) async -> Reply {
        guard send(request: attributes) else { return .closed }
        return await readReply()
    }

    /// Whether the server closed the connection (after discarding anything it sent).
    func waitForClose() async -> Bool {
        await onThread { self.waitForCloseBlocking() }
    }

    private func waitForCloseBlocking() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { return true }
            if count < 0 { return errno != EAGAIN && errno != EWOULDBLOCK }
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for index in 0...(haystack.count - needle.count) where haystack[index..<index + needle.count].elementsEqual(needle) {
            return index
        }
        return nil
    }
}

/// A Postfix-like RCPT request for `client`.
func policyRequest(client: String?, helo: String = "mail.example.test", state: String = "RCPT",
                   instance: String = "1a2b.5f3c4d1e.8a3b1.0", recipient: String = "user@example.test")
    -> [(String, String)] {
    var attributes: [(String, String)] = [
        ("request", "smtpd_access_policy"), ("protocol_state", state), ("protocol_name", "ESMTP"),
        ("helo_name", helo), ("queue_id", ""), ("sender", "sender@example.test"), ("recipient", recipient),
        ("recipient_count", "0"),
    ]
    if let client { attributes.append(("client_address", client)) }
    attributes += [("client_name", "unknown"), ("reverse_client_name", "unknown"), ("instance", instance),
                   ("sasl_method", ""), ("size", "0"), ("stress", ""), ("client_port", "40000"),
                   ("server_address", "127.0.0.1"), ("server_port", "2525")]
    return attributes
}
