import CMallocTuning
#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// How many malloc arenas the long-running, high-concurrency commands
/// (`batch`, `policy`) let glibc keep.
///
/// glibc gives each thread that allocates its own arena (up to 8 per core),
/// and a freed chunk goes back to the arena it came from. Thousands of
/// evaluations in flight allocate their task slabs and objects on whichever
/// pool thread runs them; when the scheduler favours one pool thread for a
/// while and then the other, each arena grows to its own high-water mark, and
/// resident memory approaches the sum of the two rather than the heap's peak.
/// Measured with 10,000 evaluations in flight against the project's unbound
/// (Benchmarks/README.md, "10,000 evaluations in flight"), 30,000 inputs,
/// interleaved runs, some with both cores loaded: peak RSS 53-75 MiB with
/// glibc's default, 49-59 MiB with one arena, for a heap peak of 45 MiB.
/// The price is CPU at that extreme: 12-22 % more CPU time, as the pool
/// threads and the event loop's thread share one arena lock where glibc's
/// per-thread caches (tcache) run dry; at 64 in flight the difference is
/// within the noise. An operator who prefers
/// the CPU sets `MALLOC_ARENA_MAX` (16 is glibc's default on 2 cores: 8 per
/// core).
///
/// The library itself never changes process-wide allocator settings; a program
/// that embeds it decides for itself (the same `mallopt` call, or the
/// `MALLOC_ARENA_MAX` environment variable).
enum MallocArenas {
    /// The arena limit these commands set, unless the environment sets one.
    static let limit: Int32 = 1

    /// Sets glibc's arena limit to ``limit`` unless `MALLOC_ARENA_MAX` is in
    /// the environment (an operator's explicit choice wins; glibc reads it
    /// itself). Call before the first task starts, so that no pool thread has
    /// taken an arena of its own yet. Returns whether the limit was set.
    @discardableResult
    static func limitForConcurrency() -> Bool {
        guard getenv("MALLOC_ARENA_MAX") == nil else { return false }
        return fcrdns_set_malloc_arena_max(limit) == 1
    }
}
