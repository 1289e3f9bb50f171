import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `fcrdns policy` and `fcrdns batch` keep glibc's malloc to one arena
/// (Sources/FCrDNSCLI/MallocArenas.swift), unless the operator sets
/// `MALLOC_ARENA_MAX`. Read off the running service's /proc/PID/maps: a
/// non-main arena is a 64 MiB heap of its own, so with one arena there is
/// none, whichever threads served the requests.
@Suite("fcrdns policy: glibc malloc arenas")
struct MallocArenaTests {
    /// Requests that make the service's pool threads allocate (parsing,
    /// decisions, log lines), over several connections.
    static func serveRequests(_ service: PolicyProcess) async throws {
        for _ in 0..<4 {
            let client = try service.connect()
            for _ in 0..<8 {
                #expect(await client.ask(policyRequest(client: "127.0.0.10", state: "CONNECT")) == .action("DUNNO"))
            }
        }
    }

    @Test func policyServiceAllocatesFromOneArena() async throws {
        let service = try await PolicyProcess.start(PolicyServiceTests.server)
        try await Self.serveRequests(service)
        let heaps = try arenaHeaps(pid: service.process.processIdentifier)
        #expect(heaps.isEmpty, "non-main arena heaps at \(heaps)")
        #expect(await service.terminate() == 0)
    }

    /// The same requests with the operator's own limit: glibc then gives the
    /// threads arenas of their own, which also shows that ``arenaHeaps(pid:)``
    /// finds them.
    @Test func anOperatorsMallocArenaMaxWins() async throws {
        let service = try await PolicyProcess.start(PolicyServiceTests.server, environment: ["MALLOC_ARENA_MAX": "8"])
        try await Self.serveRequests(service)
        let heaps = try arenaHeaps(pid: service.process.processIdentifier)
        #expect(!heaps.isEmpty)
        #expect(await service.terminate() == 0)
    }
}

/// The start addresses of glibc's non-main arena heaps in process `pid`:
/// anonymous mappings that begin on a 64 MiB boundary and, with the
/// PROT_NONE reserve that follows them, span exactly 64 MiB (HEAP_MAX_SIZE
/// on 64-bit Linux; glibc's malloc/arena.c, new_heap).
func arenaHeaps(pid: Int32) throws -> [UInt64] {
    let heapSize: UInt64 = 64 << 20
    let maps = try String(contentsOfFile: "/proc/\(pid)/maps", encoding: .utf8)
    // (start, end) of each anonymous mapping, in address order.
    let anonymous: [(UInt64, UInt64)] = maps.split(separator: "\n").compactMap { line in
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count == 5 else { return nil }  // a sixth field names a file or [stack], [heap]…
        let bounds = fields[0].split(separator: "-")
        guard bounds.count == 2, let start = UInt64(bounds[0], radix: 16), let end = UInt64(bounds[1], radix: 16) else {
            return nil
        }
        return (start, end)
    }
    var heaps: [UInt64] = []
    for (index, mapping) in anonymous.enumerated() where mapping.0 % heapSize == 0 {
        var end = mapping.1
        var next = index + 1
        while end < mapping.0 + heapSize, next < anonymous.count, anonymous[next].0 == end {
            end = anonymous[next].1
            next += 1
        }
        if end == mapping.0 + heapSize { heaps.append(mapping.0) }
    }
    return heaps
}
