/// A domain name, kept in uncompressed wire form and compared without regard
/// to ASCII case.
///
/// The octets are stored exactly as received (case preserved), as
/// length-prefixed labels ending with the zero-length root label. A name of
/// up to 30 octets (``inlineCapacity``: most host names, and every IPv4
/// reverse name) lives inside the value itself: no allocation and no
/// reference counting. A longer one lives in a shared heap block (every long
/// name decoded from one message shares one block). Equality and hashing
/// fold ASCII `A`–`Z` to `a`–`z` and leave every other octet alone
/// (RFC 4343), so `Mail.Example.TEST.` equals `mail.example.test.` but the
/// original spelling is still there for ``description`` and the wire.
///
/// A `Name` is always valid: every label is 1…63 octets and the whole wire
/// form is at most 255 octets. Labels are bytes, not text: a label may hold a
/// dot, a space or `0xFF`, and keeps it.
///
/// `Sendable` is checked by hand: a heap block is never written again once a
/// name points into it.
public struct Name: @unchecked Sendable {
    /// Where the octets are.
    @usableFromInline
    enum Storage {
        /// In the value itself; only the first ``Name/_length`` octets count
        /// (the rest are zero, or scratch left over from a decode, and never
        /// read).
        case inline(InlineArray<30, UInt8>)
        /// In a heap block (its own, or one shared by the long names decoded
        /// from one message), from `start`.
        case shared(NameBuffer, start: UInt32)
    }

    @usableFromInline let _storage: Storage
    /// The length of the uncompressed wire form, 1…255.
    @usableFromInline let _length: UInt8

    /// The longest name kept inside the value, in wire octets.
    @inlinable public static var inlineCapacity: Int { 30 }

    @inlinable
    init(storage: Storage, length: Int) {
        self._storage = storage
        self._length = UInt8(truncatingIfNeeded: length)
    }

    /// Refers to validated wire octets inside a heap block.
    @inlinable
    init(buffer: NameBuffer, start: Int, length: Int) {
        self.init(storage: .shared(buffer, start: UInt32(truncatingIfNeeded: start)), length: length)
    }

    /// Copies `count` validated wire octets: inline when they fit, else into
    /// a heap block of their own.
    @inlinable
    init(copying octets: UnsafePointer<UInt8>, count: Int) {
        self.init(uncheckedCapacity: count) { base in
            base.update(from: octets, count: count)
            return count
        }
    }

    /// Takes `count` ≤ ``inlineCapacity`` validated octets from a scratch
    /// area that has at least ``inlineCapacity`` readable octets: a fixed-size
    /// copy (the octets past `count` are whatever the scratch held; only the
    /// first `count` are ever read).
    @inlinable
    init(scratch: UnsafePointer<UInt8>, count: Int) {
        var inline = InlineArray<30, UInt8>(repeating: 0)
        withUnsafeMutableBytes(of: &inline) { raw in
            raw.baseAddress.unsafelyUnwrapped.copyMemory(from: scratch, byteCount: Name.inlineCapacity)
        }
        self.init(storage: .inline(inline), length: count)
    }

    /// Copies wire octets that the caller has already validated.
    @inlinable
    init<Octets: Collection>(uncheckedWire wire: Octets) where Octets.Element == UInt8 {
        let count = wire.count
        self.init(uncheckedCapacity: count) { base in
            var i = 0
            for byte in wire {
                base[i] = byte
                i += 1
            }
            return i
        }
    }

    /// Builds a name by writing its validated wire octets straight into its
    /// storage (inline when `capacity` fits, else a new heap block of
    /// `capacity` octets); `body` returns how many it wrote.
    @inlinable
    init(uncheckedCapacity capacity: Int, initializingWith body: (UnsafeMutablePointer<UInt8>) -> Int) {
        if capacity <= Name.inlineCapacity {
            var inline = InlineArray<30, UInt8>(repeating: 0)
            let count = withUnsafeMutableBytes(of: &inline) { raw in
                body(raw.baseAddress.unsafelyUnwrapped.assumingMemoryBound(to: UInt8.self))
            }
            self.init(storage: .inline(inline), length: count)
        } else {
            let buffer = NameBuffer.make(capacity: capacity)
            let count = buffer.withBase(body)
            self.init(buffer: buffer, start: 0, length: count)
        }
    }

    /// The wire octets as a new array.
    @inlinable
    var _wire: [UInt8] { withWire { Array($0) } }

    /// Calls `body` with the wire octets, indexed from zero.
    @inlinable
    func withWire<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        let length = Int(_length)
        switch _storage {
        case .inline(let octets):
            return withUnsafeBytes(of: octets) { raw in
                body(UnsafeBufferPointer(start: raw.baseAddress.unsafelyUnwrapped.assumingMemoryBound(to: UInt8.self),
                                         count: length))
            }
        case .shared(let buffer, let start):
            return buffer.withBase { base in
                body(UnsafeBufferPointer(start: base + Int(start), count: length))
            }
        }
    }

    /// The name made of this one's octets from `offset` on (a suffix on a
    /// label boundary): shares a heap block, or copies inline octets.
    @inlinable
    func suffix(from offset: Int) -> Name {
        switch _storage {
        case .shared(let buffer, let start) where Int(_length) - offset > Name.inlineCapacity:
            return Name(buffer: buffer, start: Int(start) + offset, length: Int(_length) - offset)
        default:
            return withWire { wire in
                Name(copying: wire.baseAddress.unsafelyUnwrapped + offset, count: wire.count - offset)
            }
        }
    }

    /// The root name, `.`.
    public static let root = Name(uncheckedWire: [0])

    /// The maximum length of a name in wire form (RFC 1035 §2.3.4).
    public static let maximumWireLength = 255
    /// The maximum length of one label (RFC 1035 §2.3.4).
    public static let maximumLabelLength = 63

    /// Creates a name from its uncompressed wire form (length-prefixed labels
    /// ending with a zero octet), validating it.
    ///
    /// - Throws: ``DNSDecodeError`` with offsets relative to `wire`: a
    ///   pointer (`compressionNotAllowed`), a reserved label type, more than
    ///   255 octets, bytes after the root label (`trailingBytes`), or a
    ///   missing root label (`truncated`).
    public init(wire: [UInt8]) throws(DNSDecodeError) {
        var position = 0
        while true {
            guard position < wire.count else { throw .truncated(at: position) }
            let length = wire[position]
            if length == 0 { break }
            if length & 0xC0 == 0xC0 { throw .compressionNotAllowed(at: position) }
            if length & 0xC0 != 0 { throw .reservedLabelType(at: position, octet: length) }
            position += 1 + Int(length)
            guard position < Name.maximumWireLength else { throw .nameTooLong(at: 0) }
        }
        guard position + 1 == wire.count else { throw .trailingBytes(at: position + 1) }
        self.init(uncheckedWire: wire)
    }

    /// Creates a name from labels given as octets, outermost last
    /// (`[["mail"], ["example"], ["test"]]`).
    ///
    /// - Throws: ``NameError`` when a label is empty or longer than 63
    ///   octets, or the name would exceed 255 octets.
    public init<Labels: Sequence>(labels: Labels) throws(NameError)
    where Labels.Element: Collection, Labels.Element.Element == UInt8 {
        var wire: [UInt8] = []
        for label in labels {
            guard !label.isEmpty else { throw .emptyLabel }
            guard label.count <= Name.maximumLabelLength else { throw .labelTooLong(label.count) }
            wire.append(UInt8(label.count))
            wire.append(contentsOf: label)
            guard wire.count < Name.maximumWireLength else { throw .nameTooLong }
        }
        wire.append(0)
        self.init(uncheckedWire: wire)
    }

    /// The uncompressed wire form: length-prefixed labels and the root octet.
    @inlinable public var wireBytes: [UInt8] { Array(_wire) }

    /// The length of the uncompressed wire form (1 for the root).
    @inlinable public var wireLength: Int { Int(_length) }

    /// True for the root name `.`.
    @inlinable public var isRoot: Bool { _length == 1 }

    /// Calls `body` with the uncompressed wire form (length-prefixed labels,
    /// then the root's zero octet) where the name keeps it, without copying
    /// or allocating: the way to walk a name's labels on a hot path. The
    /// pointer is valid only inside `body`.
    @inlinable
    public func withUnsafeWireBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        withWire(body)
    }

    /// The labels, outermost last. Allocates the array (and a copy of the
    /// wire form the slices share); ``withUnsafeWireBytes(_:)`` does not.
    public var labels: [ArraySlice<UInt8>] {
        let wire = _wire[...]
        var result: [ArraySlice<UInt8>] = []
        result.reserveCapacity(labelCount)
        var position = wire.startIndex
        while wire[position] != 0 {
            let length = Int(wire[position])
            result.append(wire[(position + 1)..<(position + 1 + length)])
            position += 1 + length
        }
        return result
    }

    /// The number of labels, not counting the root.
    public var labelCount: Int {
        withWire { wire in
            var count = 0
            var position = 0
            while wire[position] != 0 {
                count += 1
                position += 1 + Int(wire[position])
            }
            return count
        }
    }

    /// The name with its first `count` labels removed (`mail.example.test.`
    /// dropping 1 gives `example.test.`); the root when `count` reaches the
    /// label count.
    public func droppingFirstLabels(_ count: Int) -> Name {
        let skip = withWire { wire in
            var position = 0
            var dropped = 0
            while dropped < count, wire[position] != 0 {
                position += 1 + Int(wire[position])
                dropped += 1
            }
            return position
        }
        return suffix(from: skip)
    }

    /// The parent name (one label removed); the root's parent is the root.
    public var parent: Name { droppingFirstLabels(1) }

    /// A new name with `label` put in front (`www` + `example.test.`).
    ///
    /// - Throws: ``NameError`` for an empty or over-long label or name.
    public func prepending<Label: Collection>(label: Label) throws(NameError) -> Name
    where Label.Element == UInt8 {
        guard !label.isEmpty else { throw .emptyLabel }
        guard label.count <= Name.maximumLabelLength else { throw .labelTooLong(label.count) }
        guard wireLength + 1 + label.count <= Name.maximumWireLength else { throw .nameTooLong }
        var wire: [UInt8] = []
        wire.reserveCapacity(wireLength + 1 + label.count)
        wire.append(UInt8(label.count))
        wire.append(contentsOf: label)
        withWire { wire.append(contentsOf: $0) }
        return Name(uncheckedWire: wire)
    }

    /// The concatenation `self` + `suffix` (`www` + `example.test.`).
    ///
    /// - Throws: ``NameError/nameTooLong`` when the result exceeds 255 octets.
    public func appending(_ suffix: Name) throws(NameError) -> Name {
        guard wireLength - 1 + suffix.wireLength <= Name.maximumWireLength else { throw .nameTooLong }
        return Name(uncheckedWire: _wire.dropLast() + suffix._wire)
    }

    /// True when `self` equals `ancestor` or lies below it, compared without
    /// regard to ASCII case (`mail.example.test.` is a subdomain of
    /// `example.test.` and of `.`).
    public func isSubdomain(of ancestor: Name) -> Bool {
        let extra = wireLength - ancestor.wireLength
        guard extra >= 0 else { return false }
        return withWire { wire in
            // The suffix must start on a label boundary.
            var position = 0
            while position < extra {
                position += 1 + Int(wire[position])
            }
            guard position == extra else { return false }
            return ancestor.withWire { other in
                Name.asciiCaseInsensitiveEqual(UnsafeBufferPointer(rebasing: wire[extra...]), other)
            }
        }
    }

    /// A copy with ASCII letters folded to lower case (other octets kept).
    public func lowercased() -> Name {
        Name(uncheckedWire: withWire { $0.map(Name.foldASCII) })
    }

    /// Compares two names octet for octet, case included.
    public func isIdentical(to other: Name) -> Bool {
        _length == other._length && withWire { a in other.withWire { b in a.elementsEqual(b) } }
    }

    @inlinable @inline(__always)
    static func foldASCII(_ byte: UInt8) -> UInt8 {
        byte &- 0x41 < 26 ? byte | 0x20 : byte
    }

    @inlinable
    static func asciiCaseInsensitiveEqual(_ lhs: UnsafeBufferPointer<UInt8>, _ rhs: UnsafeBufferPointer<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for i in 0..<lhs.count {
            let a = lhs[i]
            let b = rhs[i]
            if a != b, foldASCII(a) != foldASCII(b) { return false }
        }
        return true
    }
}

extension Name: Hashable {
    /// ASCII-case-insensitive equality (RFC 4343).
    @inlinable
    public static func == (lhs: Name, rhs: Name) -> Bool {
        guard lhs._length == rhs._length else { return false }
        return lhs.withWire { a in rhs.withWire { b in asciiCaseInsensitiveEqual(a, b) } }
    }

    /// Hashes the case-folded octets, consistent with ``==(_:_:)``.
    @inlinable
    public func hash(into hasher: inout Hasher) {
        withWire { wire in
            // Fold eight octets at a time into one word to keep hashing cheap.
            var word: UInt64 = 0
            var shift: UInt64 = 0
            for byte in wire {
                word |= UInt64(Name.foldASCII(byte)) << shift
                shift += 8
                if shift == 64 {
                    hasher.combine(word)
                    word = 0
                    shift = 0
                }
            }
            hasher.combine(word)
        }
        hasher.combine(_length)
    }
}

/// Why a name could not be built from labels or parsed from text.
public enum NameError: Error, Hashable, Sendable {
    /// An empty label (`a..b`) where one is not allowed.
    case emptyLabel
    /// A label longer than 63 octets; carries its length.
    case labelTooLong(Int)
    /// The whole name would be longer than 255 octets in wire form.
    case nameTooLong
    /// A malformed escape (`\` followed by too few digits, or `\DDD` > 255)
    /// at this character offset of the text.
    case invalidEscape(at: Int)
    /// The text was empty.
    case empty
}
