import DNSWire
import Testing

/// Round trips over the public real-world corpus in ../shared/corpus (see its
/// MANIFEST.md). When the corpus is absent these tests are skipped and say so.
// Serialized: its cases are seconds of synchronous CPU work each, and run in
// parallel they held both cooperative threads of a 2-core machine long enough
// for timing-based tests elsewhere in the process to miss their deadlines.
@Suite("Real-world corpus", .serialized,
       .enabled(if: TestData.corpusPresent, "../shared/corpus is not present on this machine"))
struct CorpusTests {
    @Test(arguments: ["real-public.tcpstream", "ptr-heavy.tcpstream", "mdns.tcpstream", "llmnr.tcpstream",
                      "synthetic.tcpstream", "real-public-permissive.tcpstream"])
    func everyWellFormedMessageRoundTrips(file: String) throws {
        let messages = TestData.corpus(file)
        #expect(!messages.isEmpty)
        var failures: [String] = []
        for (ordinal, bytes) in messages.enumerated() {
            do {
                let message = try Message(decoding: bytes)
                for compression in [true, false] {
                    let encoded = message.encoded(options: .init(compression: compression))
                    let again = try Message(decoding: encoded)
                    if again != message { failures.append("#\(ordinal): round trip differs") }
                }
            } catch {
                failures.append("#\(ordinal): \(error)")
            }
        }
        #expect(failures.isEmpty, "\(file): \(failures.count) of \(messages.count) failed: \(failures.prefix(10))")
    }

    @Test func compressedOutputIsNoLargerThanTheInput() throws {
        // Real servers compress; our encoder must do at least as well overall.
        var inputBytes = 0
        var outputBytes = 0
        for bytes in TestData.corpus("real-public.tcpstream") {
            guard let message = try? Message(decoding: bytes) else { continue }
            inputBytes += bytes.count
            outputBytes += message.encoded().count
        }
        #expect(outputBytes <= inputBytes, "encoded \(outputBytes) octets from \(inputBytes)")
    }

    @Test func malformedSetNeverCrashesAndDoubleRejectsAreRejected() throws {
        let messages = TestData.corpus("malformed.tcpstream")
        let verdicts = TestData.corpusVerdicts("malformed.tcpstream")
        #expect(messages.count == 608)
        var accepted = 0
        var wronglyAccepted: [Int] = []
        for (ordinal, bytes) in messages.enumerated() {
            do {
                let message = try Message(decoding: bytes)
                accepted += 1
                // Anything accepted must survive encode → decode.
                #expect(try Message(decoding: message.encoded()) == message, "#\(ordinal)")
                if let v = verdicts[ordinal], v.wireshark != "ok", v.dnspython != "ok" {
                    wronglyAccepted.append(ordinal)
                }
            } catch {
                #expect(error.offset >= 0 && error.offset <= bytes.count, "#\(ordinal): \(error)")
            }
        }
        // Both independent validators rejected these; so must we.
        #expect(wronglyAccepted.isEmpty, "accepted despite two rejections: \(wronglyAccepted)")
        #expect(accepted > 0)
    }

    @Test func dripFeedOverPTRResponses() throws {
        // Every strict prefix of every PTR-corpus message is a truncation error.
        for bytes in TestData.corpus("ptr-heavy.tcpstream") {
            guard (try? Message(decoding: bytes)) != nil else { continue }
            for length in 0..<bytes.count {
                do {
                    _ = try Message(decoding: Array(bytes[0..<length]))
                    Issue.record("a \(length)-octet prefix decoded")
                } catch {
                    #expect(error.isTruncation, "\(error)")
                }
            }
        }
    }
}
