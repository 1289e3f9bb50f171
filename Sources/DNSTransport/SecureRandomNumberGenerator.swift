/// A `RandomNumberGenerator` backed by ``SecureRandom``, for APIs such as
/// `Int.random(in:using:)` and `shuffled(using:)`.
public struct SecureRandomNumberGenerator: RandomNumberGenerator, Sendable {
    /// Creates a generator. It has no state: every value comes from the kernel.
    public init() {}

    /// Returns 64 random bits.
    public mutating func next() -> UInt64 {
        SecureRandom.uint64()
    }
}
