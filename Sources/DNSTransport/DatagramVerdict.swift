/// What a UDP exchange does with a received datagram, as decided by the caller's `accept` closure.
public enum DatagramVerdict: Sendable, Hashable {
    /// This is the response: stop waiting and return it.
    case accept
    /// Not the response (wrong source, ID or question; possibly forged): count it, drop it
    /// and keep waiting until the deadline.
    case drop
}
