import DNSTransport
import Testing

/// `Deadline`, the package's own clock reading: conversions from and to
/// `ContinuousClock.Instant` (same clock, so they agree to within the time
/// between two readings), arithmetic, and saturation at the ends of its range.
@Suite("Deadline")
struct DeadlineTests {
    @Test func convertsFromAndToContinuousClockInstants() {
        let instant = ContinuousClock.now + .seconds(5)
        let deadline = Deadline(instant)
        // Five seconds from now, give or take the readings (generous bounds:
        // this checks the conversion, not a speed).
        let ahead = Deadline.now.duration(to: deadline)
        #expect(ahead > .seconds(4) && ahead <= .seconds(5))
        let back = deadline.instant
        #expect(back - instant < .milliseconds(500) && instant - back < .milliseconds(500))
    }

    @Test func arithmeticAndOrder() {
        let start = Deadline(nanoseconds: 1_000_000_000)
        let later = start + .milliseconds(1500)
        #expect(later.nanoseconds == 2_500_000_000)
        #expect(start < later)
        #expect(start.duration(to: later) == .milliseconds(1500))
        #expect(later.duration(to: start) == .milliseconds(-1500))
        #expect(start.advanced(by: .nanoseconds(-1)).nanoseconds == 999_999_999)
    }

    @Test func saturatesInsteadOfOverflowing() {
        let top = Deadline(nanoseconds: .max - 5)
        #expect((top + .seconds(10)).nanoseconds == .max)
        let bottom = Deadline(nanoseconds: .min + 5)
        #expect(bottom.advanced(by: .seconds(-10)).nanoseconds == .min)
        #expect((Deadline.now + .seconds(Int64.max)).nanoseconds == .max)
        // Distances between the extremes saturate too.
        #expect(Deadline(nanoseconds: .min).duration(to: Deadline(nanoseconds: .max)) == .nanoseconds(Int64.max))
        #expect(Deadline(nanoseconds: .max).duration(to: Deadline(nanoseconds: .min)) == .nanoseconds(Int64.min))
        // An instant centuries away converts to the end of the range, in order.
        let far = Deadline(ContinuousClock.now + .seconds(Int64.max / 2))
        #expect(far.nanoseconds == .max)
        #expect(Deadline.now < far)
    }
}
