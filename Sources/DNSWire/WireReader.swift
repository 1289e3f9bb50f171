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
    @inlinable
    func byte(at index: Int) -> UInt8 {
        bytes.load(fromByteOffset: index, as: UInt8.self)
    }

    /// Big-endian 16-bit integer at an already bounds-checked absolute index.
    @inlinable
    func uint16(at index: Int) -> UInt16 {
        UInt16(byte(at: index)) << 8 | UInt16(byte(at: index + 1))
    }

    /// Big-endian 32-bit integer at an already bounds-checked absolute index.
    @inlinable
    func uint32(at index: Int) -> UInt32 {
        UInt32(uint16(at: index)) << 16 | UInt32(uint16(at: index + 2))
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
    /// The walk runs twice: once to validate and measure, once to copy into a
    /// single exactly-sized allocation (the name's only heap allocation).
    @inlinable
    mutating func readName(allowCompression: Bool = true) throws(DNSDecodeError) -> Name {
        let nameStart = offset
        var position = offset
        var segmentStart = offset
        var wireLength = 0
        var resumeAt = -1
        // Pass 1: validate and measure.
        while true {
            guard position < limit || (resumeAt >= 0 && position < bytes.count) else {
                throw .truncated(at: position)
            }
            let length = byte(at: position)
            switch length & 0xC0 {
            case 0x00:
                if length == 0 {
                    wireLength += 1
                    if resumeAt < 0 { resumeAt = position + 1 }
                    break
                }
                let end = position + 1 + Int(length)
                // Labels reached through a pointer may lie anywhere before the
                // name; labels in the name itself must stay inside the limit.
                let bound = resumeAt < 0 ? limit : bytes.count
                guard end <= bound else { throw .truncated(at: position) }
                wireLength += 1 + Int(length)
                guard wireLength < 255 else { throw .nameTooLong(at: nameStart) }
                position = end
                continue
            case 0xC0:
                guard allowCompression else { throw .compressionNotAllowed(at: position) }
                let bound = resumeAt < 0 ? limit : bytes.count
                guard position + 2 <= bound else { throw .truncated(at: position) }
                let target = Int(uint16(at: position) & 0x3FFF)
                guard target < segmentStart else { throw .pointerNotPrior(at: position, target: target) }
                guard target >= 12 else { throw .pointerIntoHeader(at: position, target: target) }
                if resumeAt < 0 { resumeAt = position + 2 }
                segmentStart = target
                position = target
                continue
            default:
                throw .reservedLabelType(at: position, octet: length)
            }
            break
        }
        // Pass 2: copy labels into one buffer of the exact size.
        let storage = [UInt8](unsafeUninitializedCapacity: wireLength) { buffer, initialized in
            var read = nameStart
            var write = 0
            while true {
                let length = byte(at: read)
                if length == 0 {
                    buffer[write] = 0
                    write += 1
                    break
                }
                if length & 0xC0 == 0xC0 {
                    read = Int(uint16(at: read) & 0x3FFF)
                    continue
                }
                let count = Int(length) + 1
                let source = UnsafeRawBufferPointer(rebasing: bytes[read..<(read + count)])
                UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[write..<(write + count)])
                    .copyMemory(from: source)
                write += count
                read += count
            }
            initialized = write
        }
        offset = resumeAt
        return Name(uncheckedWire: storage)
    }
}
