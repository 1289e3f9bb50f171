// Integer reads from a byte array at an index the caller has already bounds-checked.
// The array's own bounds checks stay on: a miscounted check traps instead of reading stray memory.

extension Array where Element == UInt8 {
    /// The 16-bit integer at `index` in the given byte order.
    @inline(__always)
    func uint16(at index: Int, bigEndian: Bool = true) -> UInt16 {
        let first = UInt16(self[index])
        let second = UInt16(self[index + 1])
        return bigEndian ? first << 8 | second : second << 8 | first
    }

    /// The 32-bit integer at `index` in the given byte order.
    @inline(__always)
    func uint32(at index: Int, bigEndian: Bool = true) -> UInt32 {
        let first = UInt32(uint16(at: index, bigEndian: bigEndian))
        let second = UInt32(uint16(at: index + 2, bigEndian: bigEndian))
        return bigEndian ? first << 16 | second : second << 16 | first
    }

    /// The 64-bit integer at `index` in the given byte order.
    @inline(__always)
    func uint64(at index: Int, bigEndian: Bool = true) -> UInt64 {
        let first = UInt64(uint32(at: index, bigEndian: bigEndian))
        let second = UInt64(uint32(at: index + 4, bigEndian: bigEndian))
        return bigEndian ? first << 32 | second : second << 32 | first
    }
}
