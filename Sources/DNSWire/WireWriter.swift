/// Builds a message's wire form into a buffer sized beforehand, compressing
/// names (RFC 1035 §4.1.4).
///
/// Every suffix of every name written where compression is allowed is
/// remembered by an FNV-1a hash of its case-folded labels and the offset it
/// was written at, in an open-addressing table; a later name whose suffix
/// matches (checked octet by octet, ASCII-case-insensitively, against the
/// output) is written as its distinct prefix and a pointer. Offsets above
/// 0x3FFF cannot be pointed to and are never remembered.
///
/// The writer owns no memory: ``Message/encoded(options:)`` hands it the
/// output buffer (exactly the resulting array's storage) and scratch space
/// for the table, so encoding a message costs one allocation.
struct WireWriter {
    /// The output; `capacity` octets, of which `count` are written.
    let base: UnsafeMutablePointer<UInt8>
    let capacity: Int
    var count = 0
    /// Whether names may be compressed at all.
    let compress: Bool
    /// Suffix hash per slot (0 marks an empty slot), and the offset of that suffix.
    let hashes: UnsafeMutablePointer<UInt32>
    let offsets: UnsafeMutablePointer<UInt16>
    let slotMask: Int
    var entries = 0
    /// Scratch for one name: its label starts and suffix hashes (≤ 128 labels).
    let labelStarts: UnsafeMutablePointer<UInt16>
    let labelHashes: UnsafeMutablePointer<UInt32>

    /// How many table slots to use for a message whose compressible names
    /// take `octets` octets: a power of two, at least twice the labels that
    /// could be remembered (a label takes at least two octets), at most 2^15.
    static func slotCount(forNameOctets octets: Int) -> Int {
        var slots = 32
        while slots < octets, slots < 1 << 15 { slots <<= 1 }
        return slots
    }

    mutating func writeUInt8(_ value: UInt8) {
        base[count] = value
        count += 1
    }

    mutating func writeUInt16(_ value: UInt16) {
        base[count] = UInt8(truncatingIfNeeded: value >> 8)
        base[count + 1] = UInt8(truncatingIfNeeded: value)
        count += 2
    }

    mutating func writeUInt32(_ value: UInt32) {
        base[count] = UInt8(truncatingIfNeeded: value >> 24)
        base[count + 1] = UInt8(truncatingIfNeeded: value >> 16)
        base[count + 2] = UInt8(truncatingIfNeeded: value >> 8)
        base[count + 3] = UInt8(truncatingIfNeeded: value)
        count += 4
    }

    mutating func writeBytes<Octets: Collection>(_ octets: Octets) where Octets.Element == UInt8 {
        var i = count
        for byte in octets {
            base[i] = byte
            i += 1
        }
        count = i
    }

    mutating func writeBytes(_ octets: UnsafeBufferPointer<UInt8>) {
        guard let source = octets.baseAddress else { return }
        (base + count).update(from: source, count: octets.count)
        count += octets.count
    }

    mutating func setUInt16(_ value: UInt16, at index: Int) {
        base[index] = UInt8(truncatingIfNeeded: value >> 8)
        base[index + 1] = UInt8(truncatingIfNeeded: value)
    }

    /// Writes a name, compressed when `compressible` and the writer allows it.
    mutating func writeName(_ name: Name, compressible: Bool) {
        name.withWire { wire in
            guard compress, compressible, wire.count > 1 else {
                writeBytes(wire)
                return
            }
            // Label starts, then the hash of each suffix (from the last label
            // backwards, so each suffix hash extends the next one's).
            var labels = 0
            var position = 0
            while wire[position] != 0 {
                labelStarts[labels] = UInt16(position)
                labels += 1
                position += 1 + Int(wire[position])
            }
            var hash: UInt32 = 2_166_136_261
            for i in stride(from: labels - 1, through: 0, by: -1) {
                let start = Int(labelStarts[i])
                let end = start + Int(wire[start])
                for k in start...end {
                    hash = (hash ^ UInt32(Name.foldASCII(wire[k]))) &* 16_777_619
                }
                labelHashes[i] = hash == 0 ? 1 : hash
            }
            // The longest suffix already written.
            var match = labels
            var matchOffset: UInt16 = 0
            for i in 0..<labels {
                if let offset = lookup(labelHashes[i], wire: wire, from: Int(labelStarts[i])) {
                    match = i
                    matchOffset = offset
                    break
                }
            }
            // The labels before it, each remembered as a new suffix.
            let prefixEnd = match < labels ? Int(labelStarts[match]) : wire.count - 1
            for i in 0..<match where count + Int(labelStarts[i]) <= 0x3FFF {
                insert(labelHashes[i], offset: UInt16(count + Int(labelStarts[i])))
            }
            writeBytes(UnsafeBufferPointer(rebasing: wire[0..<prefixEnd]))
            if match < labels {
                writeUInt16(0xC000 | matchOffset)
            } else {
                writeUInt8(0)
            }
        }
    }

    /// The offset of an earlier suffix equal to `wire[from...]`, if any.
    private func lookup(_ hash: UInt32, wire: UnsafeBufferPointer<UInt8>, from start: Int) -> UInt16? {
        var slot = Int(hash) & slotMask
        while true {
            let stored = hashes[slot]
            if stored == 0 { return nil }
            if stored == hash, suffixEquals(wire, from: start, at: Int(offsets[slot])) { return offsets[slot] }
            slot = (slot + 1) & slotMask
        }
    }

    /// Remembers a suffix; when the table is three-quarters full, new
    /// suffixes are simply not remembered (the output stays correct, only
    /// less compressed).
    private mutating func insert(_ hash: UInt32, offset: UInt16) {
        guard entries < (slotMask + 1) * 3 / 4 else { return }
        var slot = Int(hash) & slotMask
        while hashes[slot] != 0 {
            if hashes[slot] == hash, offsets[slot] == offset { return }
            slot = (slot + 1) & slotMask
        }
        hashes[slot] = hash
        offsets[slot] = offset
        entries += 1
    }

    /// Whether the labels of `wire` from `start` equal the name written at
    /// `offset` in the output (following the output's own pointers, which
    /// always point backwards).
    private func suffixEquals(_ wire: UnsafeBufferPointer<UInt8>, from start: Int, at offset: Int) -> Bool {
        var i = start
        var j = offset
        while true {
            var length = base[j]
            while length & 0xC0 == 0xC0 {
                j = Int(length & 0x3F) << 8 | Int(base[j + 1])
                length = base[j]
            }
            guard length == wire[i] else { return false }
            if length == 0 { return true }
            for k in 1...Int(length) where Name.foldASCII(base[j + k]) != Name.foldASCII(wire[i + k]) {
                return false
            }
            i += 1 + Int(length)
            j += 1 + Int(length)
        }
    }
}
