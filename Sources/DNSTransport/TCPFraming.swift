/// The DNS-over-TCP framing of RFC 1035 §4.2.2 (and RFC 7766): each message is
/// preceded by its length as a two-byte big-endian integer.
///
/// ``frame(_:)`` writes a frame; ``TCPFrameDecoder`` reads them back.
public enum TCPFraming {
    /// The largest message a two-byte length prefix can describe.
    public static let maximumMessageLength = 65535

    /// Returns `message` preceded by its two-byte big-endian length.
    ///
    /// Throws ``TransportError/messageTooLarge(length:limit:)`` above 65535 bytes.
    public static func frame(_ message: [UInt8]) throws(TransportError) -> [UInt8] {
        guard message.count <= maximumMessageLength else {
            throw .messageTooLarge(length: message.count, limit: maximumMessageLength)
        }
        var framed: [UInt8] = []
        framed.reserveCapacity(message.count + 2)
        framed.append(UInt8(truncatingIfNeeded: message.count >> 8))
        framed.append(UInt8(truncatingIfNeeded: message.count))
        framed.append(contentsOf: message)
        return framed
    }
}
