/// Why a transport operation failed.
///
/// Every case is a value (no strings), so callers and tests compare whole
/// errors. Cases that carry an ``Errno`` say which step the system call failed in.
public enum TransportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The deadline passed before a (complete, accepted) response arrived.
    case timeout
    /// The task was cancelled; the socket has been closed.
    case cancelled
    /// Creating the socket, or starting the event loop, failed (for example `EMFILE`).
    case socketFailed(Errno)
    /// The TCP connection could not be established (for example `ECONNREFUSED`).
    case connectFailed(Errno)
    /// Sending the query failed.
    case sendFailed(Errno)
    /// Receiving the response failed (for example `ECONNRESET`).
    case receiveFailed(Errno)
    /// The TCP peer closed the connection before sending any byte of a response.
    case closedBeforeResponse
    /// The TCP peer closed the connection after one byte of the two-byte length prefix.
    case closedMidLength
    /// The TCP peer closed the connection after `received` of the `expected` message bytes.
    case closedMidMessage(received: Int, expected: Int)
    /// A message is longer than allowed: a query over 65535 bytes, or a TCP
    /// length prefix above the caller's limit.
    case messageTooLarge(length: Int, limit: Int)
    /// The event loop was shut down while the operation was waiting.
    case eventLoopShutDown

    /// A short English description, including the system's text for errno values.
    public var description: String {
        switch self {
        case .timeout: "timed out"
        case .cancelled: "cancelled"
        case .socketFailed(let errno): "socket setup failed: \(errno)"
        case .connectFailed(let errno): "connect failed: \(errno)"
        case .sendFailed(let errno): "send failed: \(errno)"
        case .receiveFailed(let errno): "receive failed: \(errno)"
        case .closedBeforeResponse: "connection closed before a response"
        case .closedMidLength: "connection closed inside the length prefix"
        case .closedMidMessage(let received, let expected):
            "connection closed after \(received) of \(expected) message bytes"
        case .messageTooLarge(let length, let limit): "message of \(length) bytes exceeds the limit of \(limit)"
        case .eventLoopShutDown: "event loop shut down"
        }
    }
}
