/// Splits `.tcpstream` files: a plain concatenation of `[2-byte big-endian length][DNS message]` records
/// (DNS-over-TCP framing, RFC 1035 §4.2.2) with no header, padding or other framing.
public enum TCPStreamFile {
    /// Returns every message, in file order; throws ``CaptureError/truncatedRecord(at:)`` with the offset of
    /// the length prefix if the last record is cut short.
    public static func split(_ bytes: [UInt8]) throws(CaptureError) -> [[UInt8]] {
        let result = read(bytes)
        if let error = result.error { throw error }
        return result.messages.map(\.bytes)
    }

    /// Returns every complete message as a ``CapturedMessage`` (transport `.stream`, frame = 1-based record
    /// number, offset = position of the length prefix), with a truncated last record reported in
    /// ``CaptureReadResult/error`` rather than thrown, so the messages before it are kept.
    public static func read(_ bytes: [UInt8]) -> CaptureReadResult {
        var messages: [CapturedMessage] = []
        var offset = 0
        var error: CaptureError?
        while offset < bytes.count {
            guard bytes.count - offset >= 2 else {
                error = .truncatedRecord(at: offset)
                break
            }
            let length = Int(bytes.uint16(at: offset))
            guard length <= bytes.count - offset - 2 else {
                error = .truncatedRecord(at: offset)
                break
            }
            messages.append(
                CapturedMessage(
                    bytes: Array(bytes[(offset + 2)..<(offset + 2 + length)]), transport: .stream,
                    frame: messages.count + 1, offset: offset))
            offset += 2 + length
        }
        return CaptureReadResult(
            format: .tcpStream, messages: messages, problems: [], error: error, frameCount: messages.count)
    }
}
