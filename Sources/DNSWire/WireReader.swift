/// A bounds-checked cursor over one whole DNS message.
///
/// The reader borrows the message's bytes for the duration of a decode
/// (callers reach it only through `withUnsafeBytes` in ``Message``), checks
/// each fixed-size field group once against the bytes left, and then loads
/// the group's octets without further checks. Every read that could run
/// past the end throws ``DNSDecodeError/truncated(at:)`` instead.
///
/// Offsets are absolute within the message, which is what compression
/// pointers and error reports need.
@usableFromInline
struct WireReader {
    /// The whole message (compression pointers may refer to any earlier byte).
    @usableFromInline let bytes: UnsafeRawBufferPointer
    /// The next byte to read.
    @usableFromInline var offset: Int
    /// One past the last byte this reader may consume (the message end, or the
    /// end of the RDATA being parsed).
    @usableFromInline var limit: Int

    /// Where a name is assembled while it is read: ``nameRoom`` octets that
    /// the caller owns for the whole decode (on its stack).
    @usableFromInline let scratch: UnsafeMutablePointer<UInt8>

    @inlinable
    init(_ bytes: UnsafeRawBufferPointer, scratch: UnsafeMutablePointer<UInt8>) {
        self.bytes = bytes
        self.offset = 0
        self.limit = bytes.count
        self.scratch = scratch
    }

    /// Bytes left before ``limit``.
    @inlinable var remaining: Int { limit - offset }

    /// Throws `truncated` unless `count` bytes are available.
    @inlinable
    func require(_ count: Int) throws(DNSDecodeError) {
        guard count <= limit - offset else { throw .truncated(at: offset) }
    }

    /// Loads one byte at an already bounds-checked absolute index.
    @inlinable @inline(__always)
    func byte(at index: Int) -> UInt8 {
        bytes.load(fromByteOffset: index, as: UInt8.self)
    }

    /// Big-endian 16-bit integer at an already bounds-checked absolute index.
    @inlinable @inline(__always)
    func uint16(at index: Int) -> UInt16 {
        UInt16(byte(at: index)) << 8 | UInt16(byte(at: index + 1))
    }

    /// Big-endian 32-bit integer at an already bounds-checked absolute index.
    @inlinable @inline(__always)
    func uint32(at index: Int) -> UInt32 {
        UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt32.self))
    }

    @inlinable
    mutating func readUInt8() throws(DNSDecodeError) -> UInt8 {
        try require(1)
        defer { offset += 1 }
        return byte(at: offset)
    }

    @inlinable
    mutating func readUInt16() throws(DNSDecodeError) -> UInt16 {
        try require(2)
        defer { offset += 2 }
        return uint16(at: offset)
    }

    @inlinable
    mutating func readUInt32() throws(DNSDecodeError) -> UInt32 {
        try require(4)
        defer { offset += 4 }
        return uint32(at: offset)
    }

    /// Copies `count` bytes into a new array.
    @inlinable
    mutating func readBytes(_ count: Int) throws(DNSDecodeError) -> [UInt8] {
        try require(count)
        let start = offset
        offset += count
        if count == 0 { return [] }
        return Array(UnsafeRawBufferPointer(rebasing: bytes[start..<(start + count)]))
    }

    // MARK: Names

    /// The heap block that names too long to be kept inline are appended to
    /// (made at the first such name, one per message unless it fills up),
    /// with how many octets it holds and how many are handed out.
    @usableFromInline var arena: NameBuffer? = nil
    @usableFromInline var arenaUsed = 0
    @usableFromInline var arenaCapacity = 0

    /// Room a name may need while it is assembled: its maximum length plus
    /// the eight octets a word-at-a-time label copy may write past its end.
    @usableFromInline static let nameRoom = Name.maximumWireLength + 8

    /// A name of `length` octets assembled in ``scratch``: inline when it
    /// fits, else appended to the message's arena.
    @inlinable @inline(__always)
    mutating func makeName(length: Int) -> Name {
        if length <= Name.inlineCapacity { return Name(scratch: scratch, count: length) }
        return makeLongName(length: length)
    }

    @usableFromInline
    mutating func makeLongName(length: Int) -> Name {
        if arenaCapacity - arenaUsed < length {
            // Long names are rare; size the block for what the message could still hold.
            let capacity = Swift.max(256, length, Swift.min(bytes.count * 2, 4096))
            arena = NameBuffer.make(capacity: capacity)
            arenaUsed = 0
            arenaCapacity = capacity
        }
        let block = arena.unsafelyUnwrapped
        let start = arenaUsed
        block.withBase { $0.advanced(by: start).update(from: scratch, count: length) }
        arenaUsed += length
        return Name(buffer: block, start: start, length: length)
    }

    /// Reads a domain name starting at ``offset``.
    ///
    /// - Parameter allowCompression: whether pointers may be followed. Names
    ///   in the RDATA of types that RFC 3597 §4 does not allow to be
    ///   compressed are read with `false`.
    ///
    /// A pointer must target an offset strictly below the start of the name
    /// segment that contains it (hickory's rule): this alone rules out
    /// self-pointers, forward pointers and cycles, so the walk ends after at
    /// most one pass over the message. The 255-octet budget is enforced on the
    /// uncompressed form. The cursor resumes after the first pointer.
    ///
    /// The labels are copied, as they are validated, into the scratch space,
    /// and from there into the name: no allocation for a name that fits
    /// inline, and one per message for all the longer ones.
    @inlinable
    mutating func readName(allowCompression: Bool = true) throws(DNSDecodeError) -> Name {
        guard let message = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { throw .truncated(at: offset) }
        let out = scratch
        let nameStart = offset
        var position = offset
        var segmentStart = offset
        var resumeAt = -1
        var write = 0
        // Labels of the name itself must stay inside the limit; labels
        // reached through a pointer may lie anywhere before the name.
        var bound = limit
        // Offsets stay below 64 KiB + 255 and `write` below 255: the
        // arithmetic cannot overflow, so it is written unchecked (`&+`).
        while true {
            guard position < bound else { throw .truncated(at: position) }
            let length = Int(message[position])
            if length == 0 {
                out[write] = 0
                write &+= 1
                if resumeAt < 0 { resumeAt = position &+ 1 }
                break
            }
            if length < 0x40 {
                let count = length &+ 1
                let next = position &+ count
                guard next <= bound else { throw .truncated(at: position) }
                guard write &+ count < Name.maximumWireLength else { throw .nameTooLong(at: nameStart) }
                let source = message + position
                let target = out + write
                if next &+ 8 <= bytes.count {
                    // Eight octets at a time; the last word may run past the
                    // label, into bytes that exist on both sides (the scratch
                    // has eight octets of slack) and are overwritten by what
                    // follows or never read.
                    var k = 0
                    repeat {
                        UnsafeMutableRawPointer(target + k)
                            .storeBytes(of: UnsafeRawPointer(source + k).loadUnaligned(as: UInt64.self), as: UInt64.self)
                        k &+= 8
                    } while k < count
                } else {
                    target.update(from: source, count: count)
                }
                write &+= count
                position = next
                continue
            }
            guard length >= 0xC0 else { throw .reservedLabelType(at: position, octet: UInt8(truncatingIfNeeded: length)) }
            guard allowCompression else { throw .compressionNotAllowed(at: position) }
            guard position &+ 2 <= bound else { throw .truncated(at: position) }
            let target = (length & 0x3F) << 8 | Int(message[position &+ 1])
            guard target < segmentStart else { throw .pointerNotPrior(at: position, target: target) }
            guard target >= 12 else { throw .pointerIntoHeader(at: position, target: target) }
            if resumeAt < 0 {
                resumeAt = position &+ 2
                bound = bytes.count
            }
            segmentStart = target
            position = target
        }
        offset = resumeAt
        return makeName(length: write)
    }
}
