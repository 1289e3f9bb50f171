@preconcurrency import Glibc

/// The process's open descriptors, read from `/proc/self/fd`, as "number -> target" strings
/// (for example `7 -> socket:[123456]`), so a closed-and-reused number is still told apart.
enum OpenFileDescriptors {
    /// A snapshot of the open descriptors (the directory stream's own descriptor excluded).
    static func snapshot() -> Set<String> {
        guard let directory = opendir("/proc/self/fd") else { return [] }
        defer { closedir(directory) }
        let own = dirfd(directory)
        var result: Set<String> = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            guard let number = CInt(name), number != own else { continue }
            var target = [CChar](repeating: 0, count: 256)
            let length = readlink("/proc/self/fd/\(name)", &target, target.count - 1)
            let text =
                length > 0 ? String(decoding: target[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?"
            result.insert("\(number) -> \(text)")
        }
        return result
    }

    /// Descriptors open now that were not open in `baseline`, after giving other
    /// concurrently running tests up to `seconds` to close their own transient ones.
    ///
    /// A timerfd is not counted: the concurrency runtime opens one of its own
    /// on the process's first `Task.sleep` (which may come after the baseline),
    /// and the library never opens one (its timeouts are epoll's).
    static func leaked(since baseline: Set<String>, within seconds: Int = 30) async -> Set<String> {
        func extra() -> Set<String> {
            snapshot().subtracting(baseline).filter { !$0.hasSuffix("anon_inode:[timerfd]") }
        }
        var leaked = extra()
        var waited = 0
        while !leaked.isEmpty && waited < seconds * 20 {
            try? await Task.sleep(for: .milliseconds(50))
            waited += 1
            leaked = extra()
        }
        return leaked
    }
}
