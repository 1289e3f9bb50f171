import Synchronization

/// Counts how many tasks are inside a section at once, and the most ever seen.
final class ConcurrencyGauge: Sendable {
    private let inside = Atomic<Int>(0)
    private let peak = Atomic<Int>(0)

    /// Records an entry.
    func enter() {
        let now = inside.add(1, ordering: .relaxed).newValue
        _ = peak.max(now, ordering: .relaxed)
    }

    /// Records an exit.
    func leave() {
        _ = inside.subtract(1, ordering: .relaxed)
    }

    /// The most tasks seen inside at once.
    var highest: Int {
        peak.load(ordering: .relaxed)
    }
}

/// A thread-safe list that tasks append to.
final class Recorder<Element: Sendable>: Sendable {
    private let storage = Mutex<[Element]>([])

    /// Appends `element`.
    func append(_ element: Element) {
        storage.withLock { $0.append(element) }
    }

    /// Everything appended so far, in order.
    var elements: [Element] {
        storage.withLock { $0 }
    }
}
