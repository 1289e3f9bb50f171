import DNSCapture
import DNSWire
import Foundation
import Testing

/// `fcrdns decode` on the project's captures: its record lines must be the
/// lines dig printed for the same packets (Fixtures/pcap/*.txt), and every
/// JSON field must agree with the library's own decode of the same bytes.
@Suite("fcrdns decode")
struct DecodeCommandTests {
    @Test func fixturesArePresent() {
        #expect(CLI.fixtures.count >= 12, "Fixtures/pcap should hold the captures of Fixtures/capture.sh")
    }

    @Test(arguments: CLI.fixtures)
    func recordsMatchWhatDigPrinted(pcap: String) async throws {
        let run = try await CLI.run(["decode", "--port", "35353", "--port", "35354", pcap])
        #expect(run.status == 0, "\(run.stderr)")
        var ours = Set<String>()
        for line in run.lines {
            let object = try CLI.json(line)
            #expect(object["error"] == nil, "\(line)")
            for section in ["answer", "authority", "additional"] {
                for record in object[section] as? [[String: Any]] ?? [] {
                    let type = RecordType(UInt16(record["type"] as? Int ?? 0))
                    let dnsClass = DNSClass(UInt16(record["class"] as? Int ?? 0))
                    ours.insert(normalize("\(record["name"] ?? "") \(record["ttl"] ?? "") \(dnsClass) \(type) \(record["rdata"] ?? "")"))
                }
            }
        }
        let transcript = try String(contentsOfFile: pcap.replacingOccurrences(of: ".pcap", with: ".txt"), encoding: .utf8)
        let digLines = Self.recordLines(fromDig: transcript)
        #expect(!digLines.isEmpty || !transcript.contains("ANSWER SECTION"))
        let missing = digLines.subtracting(ours)
        #expect(missing.isEmpty, "dig printed records that decode did not: \(missing.sorted().prefix(5))")
    }

    @Test(arguments: CLI.fixtures)
    func jsonAgreesWithTheLibrary(pcap: String) async throws {
        let run = try await CLI.run(["decode", "--port", "35353", "--port", "35354", pcap])
        let captured = try CaptureFile.messages(atPath: pcap, options: CaptureOptions(dnsPorts: [35353, 35354]))
        #expect(run.lines.count == captured.messages.count)
        for (line, message) in zip(run.lines, captured.messages) {
            let object = try CLI.json(line)
            let decoded = try Message(decoding: message.bytes)
            #expect(object["id"] as? Int == Int(decoded.header.id))
            #expect(object["qr"] as? Bool == decoded.header.isResponse)
            #expect(object["tc"] as? Bool == decoded.header.isTruncated)
            #expect(object["rcode"] as? Int == Int(decoded.rcode.rawValue))
            let questions = object["question"] as? [[String: Any]] ?? []
            #expect(questions.map { $0["name"] as? String } == decoded.questions.map { $0.name.description })
            #expect((object["answer"] as? [Any])?.count == decoded.answers.count)
            if let edns = decoded.edns {
                let e = object["edns"] as? [String: Any]
                #expect(e?["udp_size"] as? Int == Int(edns.udpPayloadSize))
                #expect((e?["options"] as? [Any])?.count == edns.options.count)
            } else {
                #expect(object["edns"] is NSNull)
            }
        }
    }

    @Test func truncatedUDPAndTheTCPRetryAreBothThere() async throws {
        let pcap = CLI.packageRoot + "/Fixtures/pcap/truncated-udp-then-tcp.pcap"
        let run = try await CLI.run(["decode", "--port", "35353", "--port", "35354", pcap])
        let objects = try run.lines.map(CLI.json)
        let truncated = objects.filter { $0["tc"] as? Bool == true }
        let full = objects.filter { $0["qr"] as? Bool == true && $0["tc"] as? Bool == false && !(($0["answer"] as? [Any]) ?? []).isEmpty }
        #expect(!truncated.isEmpty)
        #expect(full.contains { (($0["answer"] as? [Any])?.count ?? 0) > (truncated.first?["answer"] as? [Any])?.count ?? 0 })
    }

    @Test func undecodableMessagesPrintAnErrorLineAndTheRunGoesOn() async throws {
        // A .tcpstream with a self-pointer message between two good ones.
        let good = Message.query(id: 1, name: "mail.example.test.", type: .a).encoded()
        let bad: [UInt8] = [0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1]
        var stream: [UInt8] = []
        for message in [good, bad, good] { stream += [UInt8(message.count >> 8), UInt8(message.count & 0xFF)] + message }
        let path = NSTemporaryDirectory() + "fcrdns-decode-\(getpid()).tcpstream"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(stream)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try await CLI.run(["decode", path])
        #expect(run.status == 0)
        #expect(run.lines.count == 3)
        #expect(run.lines[1] == #"{"error":"pointerNotPrior","offset":12}"#)
        #expect(try CLI.json(run.lines[2])["id"] as? Int == 1)
    }

    @Test func unreadableFileAndUsageErrors() async throws {
        let missing = try await CLI.run(["decode", "/nonexistent/capture.pcap"])
        #expect(missing.status == 1)
        #expect(missing.stderr.split(separator: "\n").count == 1)
        #expect(try await CLI.run(["decode"]).status == 64)
        #expect(try await CLI.run(["decode", "--format", "xml", "x"]).status == 64)
        #expect(try await CLI.run(["frobnicate"]).status == 64)
        for command in ["decode", "lookup", "check", "batch"] {
            let help = try await CLI.run([command, "--help"])
            #expect(help.status == 0 && help.stdout.hasPrefix("usage: fcrdns \(command)"))
        }
    }

    @Test func textFormatLooksLikeDig() async throws {
        let pcap = CLI.packageRoot + "/Fixtures/pcap/ptr-v4.pcap"
        let run = try await CLI.run(["decode", "--format", "text", "--port", "35353", "--port", "35354", pcap])
        #expect(run.stdout.contains(";; ->>HEADER<<- opcode: QUERY, status: NOERROR"))
        #expect(run.stdout.contains(";; ANSWER SECTION:"))
        #expect(run.stdout.contains("25.2.0.192.in-addr.arpa.\t"))
    }

    /// Record lines of dig's ANSWER/AUTHORITY/ADDITIONAL sections, normalised.
    static func recordLines(fromDig text: String) -> Set<String> {
        var result = Set<String>()
        var inSection = false
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            if line.hasPrefix(";; ANSWER SECTION") || line.hasPrefix(";; AUTHORITY SECTION") || line.hasPrefix(";; ADDITIONAL SECTION") {
                inSection = true
                continue
            }
            if line.isEmpty || line.hasPrefix(";") {
                if line.isEmpty { inSection = false }
                continue
            }
            if inSection, !line.hasPrefix("$") { result.insert(normalize(line)) }
        }
        return result
    }
}

/// Collapses runs of blanks and tabs to one space.
func normalize(_ line: String) -> String {
    line.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
}
