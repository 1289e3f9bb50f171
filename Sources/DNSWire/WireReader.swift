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

    @inlinable
    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        self.offset = 0
        self.limit = bytes.count
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

    /// The block that decoded names are appended to (one per message, a new
    /// one only when it fills up), with where its octets start, how many are
    /// handed out and how many it holds. The reader keeps the block alive, so
    /// the base pointer stays valid for the whole decode.
    @usableFromInline var arena: NameBuffer? = nil
    @usableFromInline var arenaBase: UnsafeMutablePointer<UInt8>? = nil
    @usableFromInline var arenaUsed = 0
    @usableFromInline var arenaCapacity = 0

    /// Room a name may need in the arena: its maximum length plus the eight
    /// octets a word-at-a-time label copy may write past its end.
    @usableFromInline static let nameRoom = Name.maximumWireLength + 8

    /// Makes sure the arena has room for one more name of the maximum length.
    @inlinable @inline(__always)
    mutating func reserveNameRoom() {
        if arenaCapacity - arenaUsed >= WireReader.nameRoom { return }
        growArena()
    }

    @usableFromInline
    mutating func growArena() {
        // Names expand at most a few times the message size in practice.
        let capacity = Swift.max(512, bytes.count * 2)
        let fresh = NameBuffer.make(capacity: capacity)
        arena = fresh
        arenaBase = fresh.withBase { $0 }
        arenaUsed = 0
        arenaCapacity = capacity
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
    /// The labels are copied, as they are validated, into the message's name
    /// arena: no allocation per name.
    @inlinable
    mutating func readName(allowCompression: Bool = true) throws(DNSDecodeError) -> Name {
        reserveNameRoom()
        guard let base = arenaBase else { preconditionFailure("name arena missing") }
        guard let message = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { throw .truncated(at: offset) }
        let out = base + arenaUsed
        let nameStart = offset
        var position = offset
        var segmentStart = offset
        var resumeAt = -1
        var write = 0
        // Labels of the name itself must stay inside the limit; labels
        // reached through a pointer may lie anywhere before the name.
        var bound = limit
        while true {
            guard position < bound else { throw .truncated(at: position) }
            let length = message[position]
            if length == 0 {
                out[write] = 0
                write += 1
                if resumeAt < 0 { resumeAt = position + 1 }
                break
            }
            if length < 0x40 {
                let count = Int(length) + 1
                guard position + count <= bound else { throw .truncated(at: position) }
                guard write + count < Name.maximumWireLength else { throw .nameTooLong(at: nameStart) }
                if position + count + 8 <= bytes.count {
                    // Eight octets at a time; the last word may run past the
                    // label, into bytes that exist on both sides and are
                    // overwritten by what follows or never read.
                    var k = 0
                    while k < count {
                        let word = UnsafeRawPointer(message + position + k).loadUnaligned(as: UInt64.self)
                        UnsafeMutableRawPointer(out + write + k).storeBytes(of: word, as: UInt64.self)
                        k += 8
                    }
                } else {
                    (out + write).update(from: message + position, count: count)
                }
                write += count
                position += count
                continue
            }
            guard length >= 0xC0 else { throw .reservedLabelType(at: position, octet: length) }
            guard allowCompression else { throw .compressionNotAllowed(at: position) }
            guard position + 2 <= bound else { throw .truncated(at: position) }
            let target = Int(length & 0x3F) << 8 | Int(message[position + 1])
            guard target < segmentStart else { throw .pointerNotPrior(at: position, target: target) }
            guard target >= 12 else { throw .pointerIntoHeader(at: position, target: target) }
            if resumeAt < 0 {
                resumeAt = position + 2
                bound = bytes.count
            }
            segmentStart = target
            position = target
        }
        let name = Name(buffer: arena.unsafelyUnwrapped, start: arenaUsed, length: write)
        arenaUsed += write
        offset = resumeAt
        return name
    }
}
