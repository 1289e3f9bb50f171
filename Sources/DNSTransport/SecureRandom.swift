import Synchronization

/// Unpredictable numbers from the kernel, for DNS query IDs, source-port
/// independence checks and DNS 0x20 case randomisation.
///
/// Bytes come from `getentropy(3)`, which glibc implements with the
/// `getrandom(2)` system call (flags 0: blocks only until the kernel pool is
/// first initialised, early at boot). Should that ever fail, the standard
/// library's `SystemRandomNumberGenerator` (also `getrandom`-backed on Linux)
/// fills the rest. Never seeded, never predictable.
public enum SecureRandom {
    /// Fills every byte of `bytes`.
    public static func fill(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { fill($0) }
    }

    /// Returns `count` random bytes (none for a count below 1).
    public static func bytes(count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: max(0, count))
        fill(&bytes)
        return bytes
    }

    /// A random 16-bit value, such as a DNS message ID.
    public static func uint16() -> UInt16 {
        value(of: UInt16.self)
    }

    /// A random 32-bit value.
    public static func uint32() -> UInt32 {
        value(of: UInt32.self)
    }

    /// A random 64-bit value.
    public static func uint64() -> UInt64 {
        value(of: UInt64.self)
    }

    private static func value<T: FixedWidthInteger>(of type: T.Type) -> T {
        var value = T.zero
        withUnsafeMutableBytes(of: &value) { target in
            pool.withLock { pool in pool.take(into: target) }
        }
        return value
    }

    /// Small values come out of a pool of kernel bytes refilled 256 bytes at
    /// a time, so a query ID costs no system call of its own. Every byte is
    /// handed out once and then overwritten.
    private static let pool = Mutex(Pool())

    private struct Pool: ~Copyable {
        var bytes = [UInt8](repeating: 0, count: 256)
        var next = 256

        mutating func take(into target: UnsafeMutableRawBufferPointer) {
            for index in target.indices {
                if next == bytes.count {
                    bytes.withUnsafeMutableBytes { SecureRandom.fill($0) }
                    next = 0
                }
                target[index] = bytes[next]
                bytes[next] = 0
                next += 1
            }
        }
    }

    /// Fills a raw buffer, 256 bytes per `getentropy` call (its limit).
    static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        var offset = 0
        while offset < buffer.count {
            let chunk = UnsafeMutableRawBufferPointer(rebasing: buffer[offset..<min(offset + 256, buffer.count)])
            do {
                try sysGetEntropy(chunk)
            } catch {
                var fallback = SystemRandomNumberGenerator()
                for index in chunk.indices { chunk[index] = fallback.next() }
            }
            offset += chunk.count
        }
    }
}
