import Foundation

/// Runs the `fcrdns` executable built beside this test bundle.
enum CLI {
    static let packageRoot: String = {
        var parts = String(#filePath).split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    /// The built executable, next to the test bundle in the build folder.
    static let executable: String = {
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = exe.deletingLastPathComponent()
        // The bundle is …/debug/fcrdnsPackageTests.xctest (a file on Linux).
        if directory.lastPathComponent.hasSuffix(".xctest") { directory = directory.deletingLastPathComponent() }
        return directory.appendingPathComponent("fcrdns").path
    }()

    struct Run: Sendable {
        let status: Int32
        let stdout: String
        let stderr: String
        var lines: [String] { stdout.split(separator: "\n").map(String.init) }
    }

    /// Runs the tool on a thread of its own and suspends until it exits.
    ///
    /// Use this one from async tests. The synchronous ``run(_:stdin:)`` below
    /// blocks its caller for the whole run; called from a test it blocks one of
    /// the few threads of Swift's cooperative pool (as many as cores: two
    /// here), and a handful of such tests at once stall every other test in
    /// the process — resolver tests then miss their deadlines (seen under
    /// AddressSanitizer, where each run of the tool takes longer).
    static func run(_ arguments: [String], stdin: String? = nil) async throws -> Run {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Run, any Error>) in
            let thread = Thread {
                continuation.resume(with: Result { () throws -> Run in try runBlocking(arguments, stdin: stdin) })
            }
            thread.start()
        }
    }

    /// Synchronous form, for synchronous tests (blocks the calling thread; see above).
    static func run(_ arguments: [String], stdin: String? = nil) throws -> Run {
        try runBlocking(arguments, stdin: stdin)
    }

    private static func runBlocking(_ arguments: [String], stdin: String?) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = input
        // A child that exits before reading its input would make the write
        // raise SIGPIPE and kill the whole test process: ignore the signal
        // (the write then fails with EPIPE, and the exit status tells).
        _ = signal(SIGPIPE, SIG_IGN)
        try process.run()
        if let stdin { try? input.fileHandleForWriting.write(contentsOf: Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                   stderr: String(decoding: errData, as: UTF8.self))
    }

    static func json(_ line: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
        guard let dictionary = object as? [String: Any] else { throw CocoaError(.coderInvalidValue) }
        return dictionary
    }

    /// The fixture pcaps (Fixtures/pcap/*.pcap) with their dig transcripts.
    static var fixtures: [String] {
        let directory = packageRoot + "/Fixtures/pcap"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".pcap") }.sorted().map { directory + "/" + $0 }
    }
}
