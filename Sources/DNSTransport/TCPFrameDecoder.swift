/// Reassembles length-prefixed DNS messages (``TCPFraming``) from a byte stream
/// that arrives in arbitrary chunks.
///
/// Pure and value-typed, so it is tested by splitting streams at every byte
/// position (the idea of swift-nio's `ByteToMessageDecoderVerifier`).
///
/// ```swift
/// var decoder = TCPFrameDecoder()
/// decoder.append(chunk)
/// while let message = try decoder.nextMessage() { ... }
/// ```
public struct TCPFrameDecoder: Sendable {
    /// Length prefixes above this make ``nextMessage()`` throw. At most 65535.
    public let maximumMessageLength: Int

    private var buffer: [UInt8] = []
    private var readIndex = 0

    /// Creates a decoder that rejects messages longer than `maximumMessageLength`
    /// (clamped to `0...65535`).
    public init(maximumMessageLength: Int = TCPFraming.maximumMessageLength) {
        self.maximumMessageLength = min(max(0, maximumMessageLength), TCPFraming.maximumMessageLength)
    }

    /// Bytes received but not yet returned as a message (length prefixes included).
    public var bufferedByteCount: Int {
        buffer.count - readIndex
    }

    /// The length prefix of the next message, once both of its bytes have arrived.
    public var declaredLength: Int? {
        guard bufferedByteCount >= 2 else { return nil }
        return Int(buffer[readIndex]) << 8 | Int(buffer[readIndex + 1])
    }

    /// How many more bytes the next message needs before ``nextMessage()`` can return it.
    public var bytesNeeded: Int {
        guard let length = declaredLength else { return 2 - bufferedByteCount }
        return max(0, 2 + length - bufferedByteCount)
    }

    /// Adds received bytes.
    public mutating func append(_ bytes: some Collection<UInt8>) {
        compactIfWorthwhile()
        buffer.append(contentsOf: bytes)
    }

    /// Adds received bytes from a raw buffer.
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compactIfWorthwhile()
        buffer.append(contentsOf: bytes)
    }

    /// Returns the next complete message, or `nil` if more bytes are needed.
    ///
    /// A zero-length frame yields an empty message. Throws
    /// ``TransportError/messageTooLarge(length:limit:)`` as soon as a length
    /// prefix above ``maximumMessageLength`` is complete, and keeps throwing it.
    public mutating func nextMessage() throws(TransportError) -> [UInt8]? {
        guard let length = declaredLength else { return nil }
        guard length <= maximumMessageLength else {
            throw .messageTooLarge(length: length, limit: maximumMessageLength)
        }
        guard bufferedByteCount >= 2 + length else { return nil }
        let start = readIndex + 2
        let message = Array(buffer[start..<start + length])
        readIndex = start + length
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        }
        return message
    }

    /// What it means if the stream ends now: `nil` at a message boundary,
    /// ``TransportError/closedMidLength`` inside a length prefix, and
    /// ``TransportError/closedMidMessage(received:expected:)`` inside a message.
    public var endOfStreamError: TransportError? {
        switch bufferedByteCount {
        case 0: nil
        case 1: .closedMidLength
        default: .closedMidMessage(received: bufferedByteCount - 2, expected: declaredLength ?? 0)
        }
    }

    private mutating func compactIfWorthwhile() {
        if readIndex > 0 && readIndex >= buffer.count / 2 {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
    }
}
