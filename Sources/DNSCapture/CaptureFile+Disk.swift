import Glibc

extension CaptureFile {
    /// Bytes read per `read(2)` call.
    static let readChunkSize = 1 << 16

    /// Reads a whole file into memory.
    ///
    /// Throws ``CaptureError/fileUnreadable(path:errno:)`` with the C library's `errno` when the file cannot
    /// be opened or read (a directory gives `EISDIR`). Interrupted reads are retried. The file size is never
    /// used to reserve memory up front; the buffer grows with what is actually read.
    /// The corresponding C functions are `open`, `read` and `close`.
    public static func readBytes(atPath path: String) throws(CaptureError) -> [UInt8] {
        var descriptor: Int32
        repeat {
            descriptor = unsafe open(path, O_RDONLY | O_CLOEXEC)
        } while descriptor < 0 && errno == EINTR
        guard descriptor >= 0 else { throw .fileUnreadable(path: path, errno: errno) }
        // close(2) is not retried on EINTR: on Linux the descriptor is released either way.
        defer { _ = Glibc.close(descriptor) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: readChunkSize)
        while true {
            let count = unsafe chunk.withUnsafeMutableBytes { unsafe read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                let code = errno
                if code == EINTR { continue }
                throw .fileUnreadable(path: path, errno: code)
            }
            if count == 0 { return contents }
            contents.append(contentsOf: chunk[0..<count])
        }
    }

    /// Reads the file at `path` and extracts its DNS messages, as ``messages(in:format:options:)`` does.
    public static func messages(
        atPath path: String,
        format: CaptureFormat? = nil,
        options: CaptureOptions = CaptureOptions()
    ) throws(CaptureError) -> CaptureReadResult {
        try messages(in: readBytes(atPath: path), format: format, options: options)
    }
}
