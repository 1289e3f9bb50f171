/// One direction of one TCP connection: reassembles the byte stream by sequence number and cuts it into
/// DNS messages by their 2-byte big-endian length prefix (RFC 1035 §4.2.2, RFC 7766 §8).
///
/// Sequence numbers are compared modulo 2³² (RFC 793 §3.3), so streams that wrap around zero work.
/// Data already delivered (retransmissions, overlapping segments) is dropped; data ahead of the next
/// expected byte is held until the gap before it fills. When the held data would exceed the byte limit,
/// or at the end of the capture, the gap is taken as lost: the incomplete message before it is dropped and
/// reading resumes at the first held segment, as Wireshark does after a "previous segment not captured".
struct TCPStream {
    /// Where a segment came from, so that messages it completes can name their frame.
    struct Origin {
        var frame: Int
        var offset: Int
        var timestamp: CaptureTimestamp?
    }

    /// A segment that arrived before the data preceding it.
    struct PendingSegment {
        var sequence: UInt32
        var bytes: ArraySlice<UInt8>
        var origin: Origin
    }

    /// A complete message and the segment that completed it.
    struct Message {
        var bytes: [UInt8]
        var origin: Origin
    }

    /// A gap that was given up on.
    struct SkippedGap {
        /// Bytes of an incomplete message before the gap that were thrown away.
        var discardedBytes: Int
        /// Size of the hole in the sequence space.
        var missingBytes: Int
        /// The segment where reading resumed.
        var resumedAt: Origin
    }

    /// Out-of-order segments held at once, whatever their size: past this the gap is skipped, so a stream of
    /// tiny segments cannot make the linear searches below quadratic in the capture size.
    static let maximumPendingSegments = 4096

    /// The sequence number of the next byte expected, once known (from a SYN, or the first data seen).
    private(set) var nextSequence: UInt32?
    /// The initial sequence number from the SYN, when one was seen.
    private(set) var initialSequence: UInt32?
    /// In-order bytes not yet cut into messages: at most one incomplete message.
    private(set) var buffer: [UInt8] = []
    /// Out-of-order segments waiting for the gap before them to fill.
    private(set) var pending: [PendingSegment] = []
    /// Total bytes in `pending`.
    private(set) var pendingByteCount = 0
    /// The last segment that added data.
    private(set) var lastOrigin = Origin(frame: 0, offset: 0, timestamp: nil)

    /// Whether the held out-of-order data exceeds `byteLimit` bytes or ``maximumPendingSegments`` segments.
    func holdsMore(than byteLimit: Int) -> Bool {
        pendingByteCount > byteLimit || pending.count > Self.maximumPendingSegments
    }

    /// Whether a SYN with this sequence number starts a new connection on a reused port pair (as opposed to a
    /// retransmitted SYN for the connection already tracked).
    func isNewConnection(synSequence: UInt32) -> Bool {
        guard let nextSequence else { return false }
        if let initialSequence { return initialSequence != synSequence }
        return nextSequence != synSequence &+ 1
    }

    /// Adds one segment and returns the messages it completed. `payload` is a range of `bytes`; `syn` says
    /// the segment's SYN flag was set (the SYN occupies one sequence number before any data). Call
    /// ``skipGap()`` while ``holdsMore(than:)`` the caller's limit.
    mutating func receive(
        sequence: UInt32,
        syn: Bool,
        bytes: [UInt8],
        payload: Range<Int>,
        origin: Origin
    ) -> [Message] {
        var dataSequence = sequence
        if syn {
            dataSequence = sequence &+ 1
            if initialSequence == nil {
                initialSequence = sequence
                if nextSequence == nil { nextSequence = dataSequence }
            }
        }
        guard !payload.isEmpty else { return [] }
        let expected = nextSequence ?? dataSequence
        nextSequence = expected
        lastOrigin = origin
        if Int32(bitPattern: dataSequence &- expected) > 0 {
            hold(PendingSegment(sequence: dataSequence, bytes: bytes[payload], origin: origin))
            return []
        }
        var messages: [Message] = []
        append(bytes[payload], startingAt: dataSequence)
        cutMessages(completedBy: origin, into: &messages)
        drainPending(completedBy: origin, into: &messages)
        return messages
    }

    /// Gives up on the gap before the earliest held segment: drops any incomplete message, resumes reading
    /// at that segment, and returns what was skipped plus the messages the held data completes (each
    /// attributed to the segment that completed it). Returns `nil` when nothing is held.
    mutating func skipGap() -> (gap: SkippedGap, messages: [Message])? {
        guard let expected = nextSequence else { return nil }
        // The held segment nearest after the expected byte, by distance modulo 2³².
        guard
            let first = pending.indices.min(by: {
                pending[$0].sequence &- expected < pending[$1].sequence &- expected
            })
        else { return nil }
        let resume = pending[first]
        let gap = SkippedGap(
            discardedBytes: buffer.count,
            missingBytes: Int(resume.sequence &- expected),
            resumedAt: resume.origin)
        buffer = []
        nextSequence = resume.sequence
        var messages: [Message] = []
        drainPending(completedBy: nil, into: &messages)
        return (gap, messages)
    }

    /// Appends the part of `data` (which starts at `sequence`, at or before the next expected byte) that has
    /// not been delivered yet.
    private mutating func append(_ data: ArraySlice<UInt8>, startingAt sequence: UInt32) {
        guard let expected = nextSequence else { return }
        let alreadySeen = Int(-Int64(Int32(bitPattern: sequence &- expected)))
        guard alreadySeen < data.count else { return }
        let fresh = data.dropFirst(alreadySeen)
        buffer.append(contentsOf: fresh)
        nextSequence = expected &+ UInt32(truncatingIfNeeded: fresh.count)
    }

    /// Keeps an out-of-order segment, unless one already held starts at the same place and is at least as long.
    private mutating func hold(_ segment: PendingSegment) {
        if let index = pending.firstIndex(where: { $0.sequence == segment.sequence }) {
            guard pending[index].bytes.count < segment.bytes.count else { return }
            pendingByteCount += segment.bytes.count - pending[index].bytes.count
            pending[index] = segment
        } else {
            pending.append(segment)
            pendingByteCount += segment.bytes.count
        }
    }

    /// Moves every held segment that now touches the in-order data into the buffer, cutting messages as it
    /// goes. Messages are attributed to `origin` (the segment that filled the gap) or, when `nil`, to the
    /// held segment that completed them.
    private mutating func drainPending(completedBy origin: Origin?, into messages: inout [Message]) {
        while let expected = nextSequence,
            let index = pending.firstIndex(where: { Int32(bitPattern: $0.sequence &- expected) <= 0 })
        {
            let segment = pending.remove(at: index)
            pendingByteCount -= segment.bytes.count
            append(segment.bytes, startingAt: segment.sequence)
            cutMessages(completedBy: origin ?? segment.origin, into: &messages)
        }
    }

    /// Cuts every complete length-prefixed message off the front of the buffer.
    private mutating func cutMessages(completedBy origin: Origin, into messages: inout [Message]) {
        var start = 0
        while buffer.count - start >= 2 {
            let length = Int(buffer.uint16(at: start))
            guard buffer.count - start - 2 >= length else { break }
            messages.append(Message(bytes: Array(buffer[(start + 2)..<(start + 2 + length)]), origin: origin))
            start += 2 + length
        }
        if start > 0 { buffer.removeFirst(start) }
    }
}
