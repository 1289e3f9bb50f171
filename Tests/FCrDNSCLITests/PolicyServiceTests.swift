import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `fcrdns policy` as Postfix talks to it: the protocol, bad input, stalls,
/// many connections, shutdown. None of these requests makes the service
/// resolve anything (no client_address, another protocol state, or a
/// resolver on loopback that never answers), so they need no DNS server.
@Suite("fcrdns policy: protocol and robustness")
struct PolicyServiceTests {
    static let server = ["--server", "127.0.0.1:35354"]

    @Test func usageErrors() async throws {
        #expect(await fcrdnsStatus(["policy"] + Self.server) == 64)
        #expect(await fcrdnsStatus(["policy", "--listen", "127.0.0.1"] + Self.server) == 64)  // no port
        #expect(await fcrdnsStatus(["policy", "--listen", "localhost:10040"] + Self.server) == 64)
        #expect(await fcrdnsStatus(["policy", "--listen", "unix:"] + Self.server) == 64)
        #expect(await fcrdnsStatus(["policy", "--listen", "127.0.0.1:0", "--mode", "strict"] + Self.server) == 64)
        #expect(await fcrdnsStatus(["policy", "--listen", "127.0.0.1:0", "--protocol-state", "QUIT"] + Self.server) == 64)
        #expect(await fcrdnsStatus(["policy", "--listen", "127.0.0.1:0", "--authserv-id", "a b"] + Self.server) == 64)
        #expect(await fcrdnsStatus(["policy", "--listen", "127.0.0.1:0", "--idle-timeout", "0"] + Self.server) == 64)
        let help = await onThread { (try? CLI.run(["policy", "--help"])).map { ($0.status, $0.stdout) } }
        #expect(help?.0 == 0 && help?.1.contains("check_policy_service") == true)
    }

    @Test func dunnoWhenNothingAppliesSeveralRequestsPerConnection() async throws {
        let service = try await PolicyProcess.start(Self.server)
        let client = try service.connect()
        #expect(await client.ask(policyRequest(client: nil)) == .action("DUNNO"))
        #expect(await client.ask(policyRequest(client: "127.0.0.10", state: "CONNECT")) == .action("DUNNO"))
        #expect(await client.ask(policyRequest(client: "127.0.0.10", state: "END-OF-MESSAGE")) == .action("DUNNO"))
        #expect(await client.ask(policyRequest(client: "not-an-address")) == .action("DUNNO"))
        #expect(await client.ask(policyRequest(client: "")) == .action("DUNNO"))
        #expect(await client.ask([("request", "other_policy"), ("client_address", "127.0.0.10")]) == .action("DUNNO"))
        #expect(await service.waitFor { $0.components(separatedBy: " decision ").count - 1 == 6 })
        let lines = service.logLines(containing: " decision ")
        #expect(lines.allSatisfy { $0.contains(" action=DUNNO ") && $0.contains(" time=") && $0.contains(" verdict=none ") })
        #expect(lines[0].contains("reason=\"no client_address\""))
        #expect(lines[1].contains("state=CONNECT"))
    }

    @Test func pipelinedDripFedAndCRLFRequests() async throws {
        let service = try await PolicyProcess.start(Self.server)
        let client = try service.connect()
        // Two requests in one write.
        let one = policyRequest(client: nil).map { "\($0.0)=\($0.1)\n" }.joined() + "\n"
        client.send(one + one)
        #expect(await client.readReply() == .action("DUNNO"))
        #expect(await client.readReply() == .action("DUNNO"))
        // One request a byte at a time.
        for byte in one.utf8 { client.send([byte]) }
        #expect(await client.readReply() == .action("DUNNO"))
        // CRLF line endings (a person typing into telnet).
        client.send(one.replacingOccurrences(of: "\n", with: "\r\n"))
        #expect(await client.readReply() == .action("DUNNO"))
    }

    /// Input that is not the policy protocol: the connection is closed without
    /// a reply and a line is logged; other connections go on.
    static let badInputs: [(String, [UInt8])] = [
        ("over-long line without newline", Array(repeating: UInt8(ascii: "a"), count: 6000)),
        ("over-long line", Array(("request=" + String(repeating: "x", count: 5000) + "\n").utf8)),
        ("too many attributes", Array((0..<150).map { "name\($0)=value\n" }.joined().utf8)),
        ("request too long", Array((0..<20).map { "name\($0)=\(String(repeating: "v", count: 4000))\n" }.joined().utf8)),
        ("binary junk", (0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ 13) } + [0x0A, 0x0A]),
        ("NUL byte", Array("request=smtpd_access_policy\nhelo_name=a\u{0}b\n\n".utf8)),
        ("line without =", Array("request=smtpd_access_policy\nGET / HTTP/1.0\n\n".utf8)),
        ("bad attribute name", Array("request=smtpd_access_policy\n\u{FF}\u{FE}=x\n\n".utf8)),
        ("no request attribute", Array("client_address=127.0.0.10\n\n".utf8)),
    ]

    @Test(arguments: badInputs.map(\.0))
    func badInputClosesOnlyThatConnection(kind: String) async throws {
        let bytes = try #require(Self.badInputs.first { $0.0 == kind }?.1)
        let service = try await PolicyProcess.start(Self.server)
        let bystander = try service.connect()
        #expect(await bystander.ask(policyRequest(client: nil)) == .action("DUNNO"))
        let hostile = try service.connect()
        hostile.send(bytes)
        #expect(await hostile.waitForClose(), "the service should close a connection that sent \(kind)")
        #expect(await service.waitFor { $0.contains("reason=\"protocol error:") })
        // The connection that was open before, and a new one, are still served.
        #expect(await bystander.ask(policyRequest(client: nil)) == .action("DUNNO"))
        #expect(try await service.connect().ask(policyRequest(client: nil)) == .action("DUNNO"))
    }

    @Test func stalledRequestIsClosed() async throws {
        let service = try await PolicyProcess.start(Self.server + ["--request-timeout", "1", "--idle-timeout", "600"])
        let staller = try service.connect()
        staller.send("request=smtpd_access_policy\nprotocol_state=RCPT\n")
        #expect(await staller.waitForClose())
        #expect(await service.waitFor { $0.contains("reason=\"client stalled inside a request\"") })
        #expect(try await service.connect().ask(policyRequest(client: nil)) == .action("DUNNO"))
    }

    @Test func idleConnectionIsClosed() async throws {
        let service = try await PolicyProcess.start(Self.server + ["--idle-timeout", "1"])
        let idle = try service.connect()
        #expect(await idle.ask(policyRequest(client: nil)) == .action("DUNNO"))
        #expect(await idle.waitForClose())
        #expect(await service.waitFor { $0.contains("requests=1 reason=\"idle timeout\"") })
    }

    @Test func clientDisconnectingMidRequestIsLogged() async throws {
        let service = try await PolicyProcess.start(Self.server)
        do {
            let leaver = try service.connect()
            leaver.send("request=smtpd_access_policy\nclient_addr")
            #expect(await service.waitFor { $0.contains(" connect conn=1 ") })
        }  // closed here
        #expect(await service.waitFor { $0.contains("reason=\"client disconnected inside a request\"") })
        #expect(try await service.connect().ask(policyRequest(client: nil)) == .action("DUNNO"))
    }

    @Test func manyConnectionsAtOnce() async throws {
        let service = try await PolicyProcess.start(Self.server)
        let clients = try (0..<64).map { _ in try service.connect() }
        for round in 0..<3 {
            for client in clients { #expect(client.send(request: policyRequest(client: nil, instance: "\(round)"))) }
            for client in clients { #expect(await client.readReply() == .action("DUNNO")) }
        }
        #expect(await service.waitFor { $0.components(separatedBy: " decision ").count - 1 == 64 * 3 })
    }

    @Test func connectionsOverTheLimitAreRefused() async throws {
        let service = try await PolicyProcess.start(Self.server + ["--max-connections", "2"])
        let first = try service.connect()
        let second = try service.connect()
        #expect(await first.ask(policyRequest(client: nil)) == .action("DUNNO"))
        #expect(await second.ask(policyRequest(client: nil)) == .action("DUNNO"))
        let third = try service.connect()
        #expect(await third.waitForClose())
        #expect(await service.waitFor { $0.contains(" refused conn=3 ") })
        #expect(await first.ask(policyRequest(client: nil)) == .action("DUNNO"))
    }

    @Test func sigtermExitsZeroAndClosesIdleConnections() async throws {
        let service = try await PolicyProcess.start(Self.server)
        let client = try service.connect()
        #expect(await client.ask(policyRequest(client: nil)) == .action("DUNNO"))
        #expect(await service.terminate() == 0)
        #expect(await client.waitForClose())
        #expect(service.logText.contains(" signal signal=TERM"))
        #expect(service.logText.contains(" stopped"))
    }

    @Test func unixSocket() async throws {
        let path = NSTemporaryDirectory() + "fcrdns-policy-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        let service = try await PolicyProcess.start(Self.server, listen: "unix:" + path)
        var info = stat()
        #expect(lstat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o666)
        let client = try service.connect()
        #expect(await client.ask(policyRequest(client: nil)) == .action("DUNNO"))
        #expect(service.logText.contains("peer=unix"))
        #expect(await service.terminate() == 0)
        #expect(lstat(path, &info) != 0, "the socket file should be removed on exit")
    }

    /// A request whose evaluation is under way when SIGTERM arrives is still
    /// answered. The resolver asks a loopback socket that never replies: its
    /// receiving the query proves the evaluation is in flight.
    @Test func requestInFlightAtShutdownIsAnswered() async throws {
        let blackHole = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(blackHole) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(blackHole, $0, length) == 0 && getsockname(blackHole, $0, &length) == 0
            }
        }
        try #require(bound)
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(blackHole, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let port = UInt16(bigEndian: address.sin_port)

        let service = try await PolicyProcess.start(["--server", "127.0.0.1:\(port)", "--timeout", "2000"])
        let client = try service.connect()
        #expect(client.send(request: policyRequest(client: "127.0.0.10")))
        let received = await onThread {
            var buffer = [UInt8](repeating: 0, count: 512)
            return buffer.withUnsafeMutableBytes { recv(blackHole, $0.baseAddress, $0.count, 0) }
        }
        try #require(received > 0, "the service should have sent a DNS query")
        service.process.terminate()  // SIGTERM while the evaluation waits
        guard case .action(let action) = await client.readReply() else {
            Issue.record("no reply to the request in flight; log: \(service.logText)")
            return
        }
        #expect(action.hasPrefix("DEFER_IF_PERMIT 4.7.25 "))
        #expect(await client.waitForClose())
        #expect(await service.waitForExit())
        #expect(service.process.terminationReason == .exit && service.process.terminationStatus == 0)
        #expect(service.logText.contains("verdict=temperror action=DEFER_IF_PERMIT"))
    }
}

/// The service's answers for the scenarios of the 127.in-addr.arpa test zone,
/// against the real servers of scripts/dns-servers.sh (loopback only).
@Suite("fcrdns policy against real servers",
       .enabled(if: ProcessInfo.processInfo.environment["FCRDNS_INTEROP"] == "1",
                "real DNS servers not running: run scripts/test.sh"))
struct PolicyServiceInteropTests {
    static let server = ["--server", "127.0.0.1:35354", "--authserv-id", "mx.example.test"]

    static let permanent = "The IP address sending this message does not have a PTR record setup"
    static let temporary = "The PTR record of the IP address sending this message"

    /// client → (expected action prefix) per mode.
    static let expectations: [String: [(String, String)]] = [
        "enforce": [
            ("127.0.0.10", "PREPEND Authentication-Results: mx.example.test; iprev=pass (good.mail.example.test) policy.iprev=127.0.0.10"),
            ("127.0.0.11", "REJECT 5.7.25 [127.0.0.11] \(permanent)"),
            ("127.0.0.12", "REJECT 5.7.25 [127.0.0.12] \(permanent)"),
            ("127.0.0.13", "DEFER_IF_PERMIT 4.7.25 [127.0.0.13] \(temporary)"),
            ("127.0.0.14", "DEFER_IF_PERMIT 4.7.25 [127.0.0.14] \(temporary)"),
        ],
        "defer-only": [
            ("127.0.0.10", "PREPEND Authentication-Results: mx.example.test; iprev=pass "),
            ("127.0.0.11", "DUNNO"),
            ("127.0.0.12", "DUNNO"),
            ("127.0.0.13", "DEFER_IF_PERMIT 4.7.25 "),
            ("127.0.0.14", "DEFER_IF_PERMIT 4.7.25 "),
        ],
        "header-only": [
            ("127.0.0.10", "PREPEND Authentication-Results: mx.example.test; iprev=pass (good.mail.example.test) policy.iprev=127.0.0.10"),
            ("127.0.0.11", "PREPEND Authentication-Results: mx.example.test; iprev=permerror (no PTR record: NXDOMAIN) policy.iprev=127.0.0.11"),
            ("127.0.0.12", "PREPEND Authentication-Results: mx.example.test; iprev=fail (no PTR name resolves to 127.0.0.12) policy.iprev=127.0.0.12"),
            ("127.0.0.13", "PREPEND Authentication-Results: mx.example.test; iprev=temperror "),
            ("127.0.0.14", "PREPEND Authentication-Results: mx.example.test; iprev=temperror (PTR lookup: SERVFAIL) policy.iprev=127.0.0.14"),
        ],
    ]

    @Test(arguments: ["enforce", "defer-only", "header-only"])
    func actionsPerVerdict(mode: String) async throws {
        let service = try await PolicyProcess.start(Self.server + ["--mode", mode])
        let client = try service.connect()
        for (index, (ip, expected)) in try #require(Self.expectations[mode]).enumerated() {
            let reply = await client.ask(policyRequest(client: ip, instance: "message-\(index)"))
            guard case .action(let action) = reply else {
                Issue.record("\(mode) \(ip): \(reply); log: \(service.logText)")
                continue
            }
            #expect(action.hasPrefix(expected), "\(mode) \(ip): \(action)")
        }
        #expect(await service.waitFor { $0.components(separatedBy: " decision ").count - 1 == 5 })
        let decisions = service.logLines(containing: " decision ")
        for (ip, word) in [("127.0.0.10", "pass"), ("127.0.0.11", "permerror"), ("127.0.0.12", "fail"),
                           ("127.0.0.13", "temperror")] {
            #expect(decisions.contains { $0.contains("client=\(ip) ") && $0.contains("verdict=\(word) ") },
                    "\(ip): \(decisions)")
        }
        #expect(await service.terminate() == 0)
    }

    @Test func configuredTextsAndAuthservID() async throws {
        let service = try await PolicyProcess.start(["--server", "127.0.0.1:35354", "--authserv-id", "mx.test",
                                          "--reject-text", "Fix the DNS of {ip} first", "--defer-text", "DNS trouble for {ip}"])
        let client = try service.connect()
        #expect(await client.ask(policyRequest(client: "127.0.0.11")) == .action("REJECT 5.7.25 Fix the DNS of 127.0.0.11 first"))
        #expect(await client.ask(policyRequest(client: "127.0.0.13")) == .action("DEFER_IF_PERMIT 4.7.25 DNS trouble for 127.0.0.13"))
        #expect(await client.ask(policyRequest(client: "2001:db8::25", helo: "mail.example.test"))
            == .action("PREPEND Authentication-Results: mx.test; iprev=pass (mail.example.test) policy.iprev=\"2001:db8::25\""))
    }

    @Test func oneHeaderPerMessageAndCachedVerdicts() async throws {
        let service = try await PolicyProcess.start(Self.server)
        let client = try service.connect()
        let header = "PREPEND Authentication-Results: mx.example.test; iprev=pass (good.mail.example.test) policy.iprev=127.0.0.10"
        // Three RCPTs of one message, then a second message on the same connection.
        #expect(await client.ask(policyRequest(client: "127.0.0.10", instance: "m1", recipient: "a@example.test")) == .action(header))
        #expect(await client.ask(policyRequest(client: "127.0.0.10", instance: "m1", recipient: "b@example.test")) == .action("DUNNO"))
        #expect(await client.ask(policyRequest(client: "127.0.0.10", instance: "m1", recipient: "c@example.test")) == .action("DUNNO"))
        #expect(await client.ask(policyRequest(client: "127.0.0.10", instance: "m2")) == .action(header))
        // Rejections are repeated for every RCPT.
        #expect(await client.ask(policyRequest(client: "127.0.0.12", instance: "m3")).hasPrefix("REJECT 5.7.25 ") == true)
        #expect(await client.ask(policyRequest(client: "127.0.0.12", instance: "m3")).hasPrefix("REJECT 5.7.25 ") == true)
        #expect(await service.waitFor { $0.components(separatedBy: " decision ").count - 1 == 6 })
        let decisions = service.logLines(containing: " decision ")
        #expect(decisions.filter { $0.contains("source=evaluated") }.count == 2, "\(decisions)")
        #expect(decisions.filter { $0.contains("source=cached") }.count == 4, "\(decisions)")
    }

    @Test func concurrentAsksShareOneEvaluation() async throws {
        let service = try await PolicyProcess.start(Self.server)
        let clients = try (0..<20).map { _ in try service.connect() }
        for client in clients { #expect(client.send(request: policyRequest(client: "127.0.0.10"))) }
        for client in clients {
            #expect(await client.readReply().hasPrefix("PREPEND Authentication-Results: mx.example.test; iprev=pass ") == true)
        }
        #expect(await service.waitFor { $0.components(separatedBy: " decision ").count - 1 == 20 })
        let decisions = service.logLines(containing: " decision ")
        #expect(decisions.filter { $0.contains("source=evaluated") }.count == 1, "\(decisions)")
    }

    @Test func cacheCanBeTurnedOff() async throws {
        let service = try await PolicyProcess.start(Self.server + ["--cache-ttl", "0"])
        let client = try service.connect()
        #expect(await client.ask(policyRequest(client: "127.0.0.11")).hasPrefix("REJECT 5.7.25 ") == true)
        #expect(await client.ask(policyRequest(client: "127.0.0.11")).hasPrefix("REJECT 5.7.25 ") == true)
        #expect(await service.waitFor { $0.components(separatedBy: "source=evaluated").count - 1 == 2 })
    }
}

extension PolicyClient.Reply {
    /// The action text, if this is an action.
    func hasPrefix(_ prefix: String) -> Bool {
        if case .action(let text) = self { return text.hasPrefix(prefix) }
        return false
    }
}
