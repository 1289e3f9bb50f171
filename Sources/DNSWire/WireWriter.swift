/// Builds a message's wire form, compressing names (RFC 1035 §4.1.4).
///
/// Every name written in a position where compression is allowed is
/// remembered by the offsets of its labels; a later name whose suffix equals
/// (ASCII-case-insensitively) an earlier name's suffix is written as its
/// distinct prefix and a pointer. Offsets above 0x3FFF cannot be pointed to
/// and are never remembered.
struct WireWriter {
    /// The bytes written so far.
    var bytes: [UInt8]
    /// Whether names may be compressed at all.
    let compress: Bool
    /// Hash of a case-folded name suffix → offset where it was written.
    private var suffixes: [Int: UInt16] = [:]

    init(capacity: Int, compress: Bool) {
        bytes = []
        bytes.reserveCapacity(capacity)
        self.compress = compress
    }

    mutating func writeUInt8(_ value: UInt8) { bytes.append(value) }

    mutating func writeUInt16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    mutating func writeUInt32(_ value: UInt32) {
        writeUInt16(UInt16(truncatingIfNeeded: value >> 16))
        writeUInt16(UInt16(truncatingIfNeeded: value))
    }

    mutating func setUInt16(_ value: UInt16, at index: Int) {
        bytes[index] = UInt8(truncatingIfNeeded: value >> 8)
        bytes[index + 1] = UInt8(truncatingIfNeeded: value)
    }

    /// Writes a name, compressed when `compressible` and the writer allows it.
    mutating func writeName(_ name: Name, compressible: Bool) {
        let wire = name._wire
        guard compress, compressible, wire.count > 1 else {
            bytes.append(contentsOf: wire)
            return
        }
        // Label start offsets within `wire`.
        var starts: [Int] = []
        starts.reserveCapacity(8)
        var position = 0
        while wire[position] != 0 {
            starts.append(position)
            position += 1 + Int(wire[position])
        }
        // Hashes of each suffix, from the shortest (last label) to the longest.
        var hashes = [Int](repeating: 0, count: starts.count)
        var running = Hasher()
        var hash = 0
        for i in stride(from: starts.count - 1, through: 0, by: -1) {
            running = Hasher()
            running.combine(hash)
            let start = starts[i]
            let length = Int(wire[start])
            running.combine(length)
            for k in (start + 1)...(start + length) { running.combine(Name.foldASCII(wire[k])) }
            hash = running.finalize()
            hashes[i] = hash
        }
        // Find the longest suffix already written.
        var matchIndex = starts.count
        var matchOffset: UInt16 = 0
        for i in 0..<starts.count {
            if let offset = suffixes[hashes[i]], suffixEquals(wire, from: starts[i], at: Int(offset)) {
                matchIndex = i
                matchOffset = offset
                break
            }
        }
        // Write the labels before the match, remembering each new suffix.
        for i in 0..<matchIndex {
            let here = bytes.count
            if here <= 0x3FFF, suffixes[hashes[i]] == nil {
                suffixes[hashes[i]] = UInt16(here)
            }
            let start = starts[i]
            bytes.append(contentsOf: wire[start...(start + Int(wire[start]))])
        }
        if matchIndex < starts.count {
            writeUInt16(0xC000 | matchOffset)
        } else {
            bytes.append(0)
        }
    }

    /// Whether the labels of `wire` from `start` equal the name written at
    /// `offset` in the output (following the output's own pointers).
    private func suffixEquals(_ wire: [UInt8], from start: Int, at offset: Int) -> Bool {
        var i = start
        var j = offset
        var hops = 0
        while true {
            var length = bytes[j]
            while length & 0xC0 == 0xC0 {
                hops += 1
                guard hops < 128 else { return false }
                j = Int(UInt16(length & 0x3F) << 8 | UInt16(bytes[j + 1]))
                length = bytes[j]
            }
            guard length == wire[i] else { return false }
            if length == 0 { return true }
            for k in 1...Int(length) where Name.foldASCII(bytes[j + k]) != Name.foldASCII(wire[i + k]) {
                return false
            }
            i += 1 + Int(length)
            j += 1 + Int(length)
        }
    }
}
