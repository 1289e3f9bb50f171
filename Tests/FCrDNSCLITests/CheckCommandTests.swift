import Foundation
import Testing

/// `fcrdns lookup`, `check` and `batch` as a mail administrator runs them,
/// against the real servers of scripts/dns-servers.sh (loopback only).
@Suite("fcrdns lookup/check/batch against real servers",
       .enabled(if: ProcessInfo.processInfo.environment["FCRDNS_INTEROP"] == "1",
                "real DNS servers not running: run scripts/test.sh"))
struct CheckCommandTests {
    static let server = ["--server", "127.0.0.1:35354"]

    @Test(arguments: [("192.0.2.25", Int32(0), "pass"), ("192.0.2.31", 1, "fail"), ("192.0.2.99", 2, "permerror"),
                      ("192.0.2.66", 3, "temperror"), ("2001:db8::25", 0, "pass")])
    func checkExitStatusAndFirstLine(ip: String, status: Int32, word: String) async throws {
        let run = try await CLI.run(["check", ip] + Self.server)
        #expect(run.status == status, "\(run.stdout)\(run.stderr)")
        #expect(run.lines.first?.hasPrefix("\(word) \(ip)") == true, "\(run.stdout)")
    }

    @Test func checkJSONHasEveryField() async throws {
        let run = try await CLI.run(["check", "192.0.2.25", "--helo", "mail.example.test", "--json", "--server", "[::1]:35354"])
        #expect(run.status == 0)
        let object = try CLI.json(run.stdout)
        for key in ["verdict", "reason", "ip", "helo", "ptr_names", "confirmed_names", "evidence", "findings",
                    "authentication_results", "smtp_reply", "trace"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        #expect(object["verdict"] as? String == "pass")
        #expect((object["trace"] as? [Any])?.isEmpty == false)
    }

    @Test func checkUsageErrors() async throws {
        let bad = try await CLI.run(["check", "192.0.2.256"] + Self.server)
        #expect(bad.status == 64)
        #expect(bad.stderr.split(separator: "\n").count == 1)
        #expect(try await CLI.run(["check", "192.0.2.25", "--bogus"]).status == 64)
        #expect(try await CLI.run(["check", "fe80::1%eth0"] + Self.server).status == 64)
    }

    @Test func lookupPrintsAnswersAndNegativeResults() async throws {
        let ptr = try await CLI.run(["lookup", "192.0.2.25"] + Self.server)
        #expect(ptr.status == 0)
        #expect(ptr.stdout.contains("25.2.0.192.in-addr.arpa.\t"))
        #expect(ptr.stdout.contains("PTR\tmail.example.test."))
        let nx = try await CLI.run(["lookup", "nonexistent.example.test", "--json"] + Self.server)
        #expect(nx.status == 0)
        #expect(try CLI.json(nx.stdout)["status"] as? String == "NXDOMAIN")
        let servfail = try await CLI.run(["lookup", "servfail.test"] + Self.server)
        #expect(servfail.status == 1)
        #expect(servfail.stderr.split(separator: "\n").count == 1)
        let mx = try await CLI.run(["lookup", "example.test", "--type", "MX", "--tcp", "--server", "[::1]:35354"])
        #expect(mx.status == 0 && mx.stdout.contains("\tMX\t"))
    }

    @Test func batchKeepsInputOrderAndReportsBadLines() async throws {
        let input = """
            192.0.2.25 mail.example.test
            # a comment
            192.0.2.99
            not-an-ip
            192.0.2.31

            2001:db8::25
            """
        let run = try await CLI.run(["batch", "--concurrency", "3"] + Self.server, stdin: input)
        #expect(run.status == 1)  // one bad line
        let objects = try run.lines.map(CLI.json)
        #expect(objects.count == 5)
        #expect(objects.map { $0["verdict"] as? String } == ["pass", "permerror", nil, "fail", "pass"])
        #expect(objects[2]["line"] as? Int == 4)
        #expect(objects[2]["error"] != nil)
        #expect(run.stderr.contains("pass 2, fail 1, permerror 1, temperror 0"))
    }

    @Test func batchLineFormatPrintsVerdictAndReasonPerInput() async throws {
        let input = "192.0.2.25\n192.0.2.99\nnot-an-ip\n192.0.2.31\n"
        let run = try await CLI.run(["batch", "--format", "line", "--concurrency", "2"] + Self.server, stdin: input)
        #expect(run.status == 1)  // one bad line
        try #require(run.lines.count == 4, "\(run.stdout)")
        #expect(run.lines[0] == "192.0.2.25 pass mail.example.test resolves to 192.0.2.25")
        #expect(run.lines[1] == "192.0.2.99 permerror no PTR record: NXDOMAIN")
        #expect(run.lines[2].hasPrefix("not-an-ip error not an IP address"))
        #expect(run.lines[3] == "192.0.2.31 fail no PTR name resolves to 192.0.2.31")
        #expect(try await CLI.run(["batch", "--format", "yaml"] + Self.server, stdin: "").status == 64)
    }
}
