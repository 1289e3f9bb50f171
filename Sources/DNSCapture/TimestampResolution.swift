/// The unit of a pcapng timestamp, from an interface's `if_tsresol` option (draft-ietf-opsawg-pcapng §4.2,
/// https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-03.html#section-4.2): the high bit picks base 2
/// or base 10, the low seven bits the negative exponent. The default is microseconds.
enum TimestampResolution: Equatable {
    /// Units of 10^-exponent seconds; exponent is at most 19 so 10^exponent fits in 64 bits.
    case decimal(exponent: Int)
    /// Units of 2^-exponent seconds; exponent is at most 63.
    case binary(exponent: Int)

    /// Microseconds, the resolution when an interface has no `if_tsresol` option.
    static let microseconds = TimestampResolution.decimal(exponent: 6)

    /// Decodes an `if_tsresol` byte; `nil` when the exponent is too large to convert.
    init?(optionValue value: UInt8) {
        let exponent = Int(value & 0x7f)
        if value & 0x80 == 0 {
            guard exponent <= 19 else { return nil }
            self = .decimal(exponent: exponent)
        } else {
            guard exponent <= 63 else { return nil }
            self = .binary(exponent: exponent)
        }
    }

    /// Converts a raw 64-bit timestamp in this unit, plus the interface's `if_tsoffset` seconds.
    func timestamp(_ units: UInt64, offsetSeconds: Int64) -> CaptureTimestamp {
        let seconds: UInt64
        let nanoseconds: UInt64
        switch self {
        case .decimal(let exponent):
            var perSecond: UInt64 = 1
            for _ in 0..<exponent { perSecond *= 10 }
            seconds = units / perSecond
            let fraction = units % perSecond
            if exponent <= 9 {
                var scale: UInt64 = 1
                for _ in exponent..<9 { scale *= 10 }
                nanoseconds = fraction * scale
            } else {
                var scale: UInt64 = 1
                for _ in 9..<exponent { scale *= 10 }
                nanoseconds = fraction / scale
            }
        case .binary(let exponent):
            guard exponent > 0 else {
                seconds = units
                nanoseconds = 0
                break
            }
            seconds = units >> exponent
            let fraction = units & ((1 << exponent) - 1)
            // fraction × 10^9 / 2^exponent, computed in 128 bits: the product can exceed 64 bits.
            let product = fraction.multipliedFullWidth(by: 1_000_000_000)
            nanoseconds = product.high << (64 - exponent) | product.low >> exponent
        }
        let whole = Int64(exactly: seconds) ?? Int64.max
        let shifted = whole.addingReportingOverflow(offsetSeconds)
        return CaptureTimestamp(
            seconds: shifted.overflow ? (offsetSeconds < 0 ? Int64.min : Int64.max) : shifted.partialValue,
            nanoseconds: UInt32(truncatingIfNeeded: nanoseconds))
    }
}
