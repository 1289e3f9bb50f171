import Foundation
import Testing

/// `fcrdns batch` reads its input on a thread of its own, at most a few
/// thousand lines ahead of the evaluations (LineFeeder). Lines that are not
/// addresses send no query, so these tests need no DNS server: the server
/// named is a loopback port nothing is asked on.
@Suite("fcrdns batch: input")
struct BatchInputTests {
    @Test func manyMoreLinesThanTheReadAheadKeepTheirOrder() async throws {
        let count = 12_000  // more than the 4,096 lines the reading thread keeps ahead
        let lines = (0..<count).map { $0 % 1000 == 0 ? "# comment \($0)" : "x\($0)" }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("fcrdns-batch-\(UUID()).txt")
        try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }

        let run = try await CLI.run(["batch", file.path, "--format", "line", "--concurrency", "16",
                                     "--server", "127.0.0.1:9"])
        #expect(run.status == 1)  // every line is bad
        let expected = lines.filter { !$0.hasPrefix("#") }
        try #require(run.lines.count == expected.count)
        for (printed, input) in zip(run.lines, expected) where !printed.hasPrefix("\(input) error ") {
            Issue.record("expected an error line for \(input), got \(printed)")
            break
        }
        #expect(run.stderr.contains("bad lines \(expected.count)"))
    }

    @Test func emptyInputAndUnreadableFile() async throws {
        let empty = try await CLI.run(["batch", "--server", "127.0.0.1:9"], stdin: "")
        #expect(empty.status == 0 && empty.stdout.isEmpty)
        #expect(empty.stderr.contains("0 inputs"))
        let missing = try await CLI.run(["batch", "/nonexistent/fcrdns-input", "--server", "127.0.0.1:9"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("cannot read /nonexistent/fcrdns-input"))
    }
}
