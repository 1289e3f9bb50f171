/// A binary min-heap of `(deadline, waiter id)` pairs: the event loop's timers.
///
/// Entries are never removed from the middle. When a waiter finishes early
/// (readiness or cancellation), its entry stays until it reaches the top and is
/// skipped there ("lazy deletion"), or until ``retain(where:)`` compacts the heap.
struct DeadlineHeap: Sendable {
    /// One timer.
    struct Entry: Sendable {
        /// When the timer fires.
        var deadline: Deadline
        /// The waiter it belongs to.
        var id: UInt64
    }

    private var entries: [Entry] = []

    /// The number of entries, stale ones included.
    var count: Int { entries.count }

    /// The earliest entry, if any.
    var first: Entry? { entries.first }

    /// Adds a timer. O(log n).
    mutating func insert(_ deadline: Deadline, id: UInt64) {
        entries.append(Entry(deadline: deadline, id: id))
        siftUp(from: entries.count - 1)
    }

    /// Removes and returns the earliest entry. O(log n).
    mutating func removeFirst() -> Entry? {
        guard !entries.isEmpty else { return nil }
        entries.swapAt(0, entries.count - 1)
        let first = entries.removeLast()
        if !entries.isEmpty { siftDown(from: 0) }
        return first
    }

    /// Keeps only the entries for which `isLive` is true and restores the heap order. O(n).
    mutating func retain(where isLive: (Entry) -> Bool) {
        entries.removeAll { !isLive($0) }
        var index = entries.count / 2
        while index > 0 {
            index -= 1
            siftDown(from: index)
        }
    }

    private mutating func siftUp(from start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].deadline < entries[parent].deadline else { return }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(from start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < entries.count && entries[left].deadline < entries[smallest].deadline { smallest = left }
            if right < entries.count && entries[right].deadline < entries[smallest].deadline { smallest = right }
            guard smallest != parent else { return }
            entries.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
