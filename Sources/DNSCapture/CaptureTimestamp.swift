/// The time a packet was captured: whole seconds since the Unix epoch plus nanoseconds.
public struct CaptureTimestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    public var seconds: Int64
    /// Nanoseconds past `seconds`, always below 1,000,000,000.
    public var nanoseconds: UInt32

    /// Creates a timestamp; a `nanoseconds` value of a second or more is carried into `seconds`
    /// (some capture writers store such values).
    public init(seconds: Int64, nanoseconds: UInt32) {
        let carry = Int64(nanoseconds / 1_000_000_000)
        self.seconds = seconds.addingReportingOverflow(carry).overflow ? Int64.max : seconds + carry
        self.nanoseconds = nanoseconds % 1_000_000_000
    }

    /// Orders timestamps chronologically.
    public static func < (lhs: CaptureTimestamp, rhs: CaptureTimestamp) -> Bool {
        (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
    }

    /// `seconds.nnnnnnnnn`, for example `1455208800.123456000`.
    public var description: String {
        let digits = String(nanoseconds)
        return "\(seconds)." + String(repeating: "0", count: 9 - digits.count) + digits
    }
}
