@preconcurrency internal import Glibc

/// A point in time on the clock that `ContinuousClock` reads on Linux
/// (`CLOCK_BOOTTIME`), in nanoseconds: the deadline the event loop and the
/// resolver keep internally.
///
/// `ContinuousClock.Instant` belongs to a library built for evolution, so its
/// size is not known when this package is compiled: every instant an async
/// function holds is a separate task allocation, and every comparison (the
/// event loop's timer heap makes many) is a call through a witness table.
/// This is one `Int64`. The public API keeps `ContinuousClock.Instant`; a
/// deadline is converted once, where it enters.
package struct Deadline: Comparable, Hashable, Sendable {
    /// Nanoseconds since the clock's origin (boot).
    package var nanoseconds: Int64

    package init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    /// The current time.
    package static var now: Deadline {
        var time = timespec()
        clock_gettime(CLOCK_BOOTTIME, &time)
        return Deadline(nanoseconds: Int64(time.tv_sec) &* 1_000_000_000 &+ Int64(time.tv_nsec))
    }

    /// The same point in time as `instant` (to within the two clock readings).
    @inline(never)
    package init(_ instant: ContinuousClock.Instant) {
        let offset = ContinuousClock.now.duration(to: instant)
        self = Deadline.now.advanced(by: offset)
    }

    /// The same point in time as a `ContinuousClock.Instant`.
    @inline(never)
    package var instant: ContinuousClock.Instant {
        let now = Deadline.now
        return ContinuousClock.now.advanced(by: .nanoseconds(Self.saturatingSubtract(nanoseconds, now.nanoseconds)))
    }

    /// This deadline moved by `duration` (saturating at the ends of the range).
    package func advanced(by duration: Duration) -> Deadline {
        Deadline(nanoseconds: Self.saturatingAdd(nanoseconds, Self.nanoseconds(of: duration)))
    }

    /// The time from `self` to `other`.
    package func duration(to other: Deadline) -> Duration {
        .nanoseconds(Self.saturatingSubtract(other.nanoseconds, nanoseconds))
    }

    package static func < (lhs: Deadline, rhs: Deadline) -> Bool {
        lhs.nanoseconds < rhs.nanoseconds
    }

    package static func + (lhs: Deadline, rhs: Duration) -> Deadline {
        lhs.advanced(by: rhs)
    }

    /// `duration` in whole nanoseconds, saturating.
    static func nanoseconds(of duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return saturatingAdd(scaled, attoseconds / 1_000_000_000)
    }

    static func saturatingAdd(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        if overflow { return b < 0 ? .min : .max }
        return sum
    }

    static func saturatingSubtract(_ a: Int64, _ b: Int64) -> Int64 {
        let (difference, overflow) = a.subtractingReportingOverflow(b)
        if overflow { return b > 0 ? .min : .max }
        return difference
    }
}
