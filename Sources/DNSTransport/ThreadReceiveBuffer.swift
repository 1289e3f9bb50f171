@preconcurrency internal import Glibc

/// One receive buffer per thread, for datagrams: made on a thread's first
/// receive, kept for the thread's life, freed by the thread-specific data's
/// destructor when the thread ends.
///
/// A datagram is received into room for the largest UDP payload and then
/// copied out at its real size. `withUnsafeTemporaryAllocation` gave that room
/// from the heap (above 1 KiB it is not on the stack on these threads): a
/// 64 KiB `malloc` and `free` per datagram, and a request that size makes
/// glibc consolidate its fast bins each time. Receiving is synchronous and
/// calls out to nothing, so a thread never uses its buffer twice at once.
enum ThreadReceiveBuffer {
    /// The buffer's size: the largest UDP payload.
    static let size = 65535

    /// The thread-specific data key; nil if the process is out of keys (then
    /// every receive falls back to a temporary allocation).
    private static let key: pthread_key_t? = {
        var key = pthread_key_t()
        guard pthread_key_create(&key, { free($0) }) == 0 else { return nil }
        return key
    }()

    /// Calls `body` with this thread's buffer of ``size`` bytes.
    static func with<Result, Failure: Error>(
        _ body: (UnsafeMutableRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        if let key {
            if let base = pthread_getspecific(key) {
                return try body(UnsafeMutableRawBufferPointer(start: base, count: size))
            }
            if let base = malloc(size) {
                if pthread_setspecific(key, base) == 0 {
                    return try body(UnsafeMutableRawBufferPointer(start: base, count: size))
                }
                free(base)
            }
        }
        return try withUnsafeTemporaryAllocation(byteCount: size, alignment: 1) { buffer throws(Failure) in
            try body(buffer)
        }
    }
}
