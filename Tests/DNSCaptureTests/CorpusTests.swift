import DNSCapture
import Glibc
import Testing

/// The shared capture corpus, `../shared/corpus` from the package root (see its MANIFEST.md). It is not part
/// of the repository, so these tests are skipped, with a message saying so, when it is absent.
enum Corpus {
    /// The corpus directory, found from this file's real path (symlinks resolved).
    static let directory: String? = {
        guard let resolved = unsafe realpath(#filePath, nil) else { return nil }
        defer { unsafe free(resolved) }
        var components = unsafe String(cString: resolved).split(separator: "/", omittingEmptySubsequences: false)
        components.removeLast(3)  // CorpusTests.swift, DNSCaptureTests, Tests
        let path = components.joined(separator: "/") + "/../shared/corpus"
        return isDirectory(path) ? path : nil
    }()

    static var isAvailable: Bool { directory != nil }

    static func isDirectory(_ path: String) -> Bool {
        guard let handle = unsafe opendir(path) else { return false }
        unsafe closedir(handle)
        return true
    }

    /// Every regular file under `path`, recursively, sorted.
    static func files(under path: String) -> [String] {
        guard let handle = unsafe opendir(path) else { return [] }
        defer { unsafe closedir(handle) }
        var found: [String] = []
        while let entry = unsafe readdir(handle) {
            let name = unsafe withUnsafeBytes(of: entry.pointee.d_name) { raw in
                unsafe String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name != ".", name != ".." else { continue }
            let child = path + "/" + name
            if isDirectory(child) {
                found += files(under: child)
            } else {
                found.append(child)
            }
        }
        return found.sorted()
    }

    /// Every message of every `.tcpstream` file in the corpus, as a set of byte strings.
    static func knownMessages(in directory: String) throws -> Set<[UInt8]> {
        var known: Set<[UInt8]> = []
        for path in files(under: directory) where path.hasSuffix(".tcpstream") {
            known.formUnion(try TCPStreamFile.split(CaptureFile.readBytes(atPath: path)))
        }
        return known
    }
}

@Suite("Public capture corpus")
struct CorpusTests {
    // Skipped when ../shared/corpus is missing: the corpus is shared data that lives outside the repository.
    @Test(
        "every capture reads without error and yields port-53 messages found byte-for-byte in the corpus",
        .enabled(if: Corpus.isAvailable, "corpus not found at ../shared/corpus from the package root"))
    func captures() throws {
        let directory = try #require(Corpus.directory)
        let known = try Corpus.knownMessages(in: directory)
        let paths = Corpus.files(under: directory + "/pcaps").filter {
            $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") || $0.hasSuffix(".cap")
        }
        var messageCount = 0
        var transports: [String: Int] = [:]
        var problemKinds: [String: Int] = [:]
        var unknown: [String] = []
        for path in paths {
            let result: CaptureReadResult
            do {
                result = try CaptureFile.messages(atPath: path)
            } catch {
                Issue.record("\(path): \(error)")
                continue
            }
            #expect(result.error == nil, "\(path)")
            messageCount += result.messages.count
            for message in result.messages {
                transports[message.transport.description, default: 0] += 1
                if !known.contains(message.bytes) { unknown.append("\(path)#\(message.frame)") }
            }
            for problem in result.problems {
                problemKinds[problem.kind.name, default: 0] += 1
            }
        }
        print(
            "corpus: \(paths.count) captures, \(messageCount) port-53 messages \(transports.sorted { $0.key < $1.key })"
        )
        print("corpus problems: \(problemKinds.sorted { $0.key < $1.key })")
        #expect(paths.count > 300)
        // tshark finds about 6,890 port-53 DNS PDUs in these files; the difference is DNS inside tunnels
        // (GRE, VXLAN, GTP…), first fragments, and link types this module does not decode.
        #expect(messageCount >= 6_000)
        #expect(unknown.isEmpty, "messages not in any corpus .tcpstream: \(unknown.prefix(10))")
    }

    @Test(
        "real-public.tcpstream holds 4566 messages",
        .enabled(if: Corpus.isAvailable, "corpus not found at ../shared/corpus from the package root"))
    func realPublic() throws {
        let directory = try #require(Corpus.directory)
        let bytes = try CaptureFile.readBytes(atPath: directory + "/real-public.tcpstream")
        #expect(try TCPStreamFile.split(bytes).count == 4566)
        let result = try CaptureFile.messages(in: bytes, format: .tcpStream, options: CaptureOptions())
        #expect(result.messages.count == 4566)
        #expect(result.error == nil)
    }
}
