extension SocketAddress {
    /// The address bytes as text, without scope or port.
    ///
    /// IPv4 is dotted decimal. IPv6 follows RFC 5952: lowercase hex without leading
    /// zeros, the longest run of two or more zero groups (the first on a tie)
    /// shortened to `::`, and dotted decimal only for IPv4-mapped addresses
    /// (`::ffff:192.0.2.1`). (glibc's `inet_ntop` also prints the deprecated
    /// IPv4-compatible form, `::1:53` as `::0.1.0.83`, hence no `inet_ntop` here.)
    func formatAddress() -> String {
        switch family {
        case .ipv4:
            return Self.dottedQuad(UInt32(truncatingIfNeeded: low))
        case .ipv6:
            if high == 0 && low >> 32 == 0xffff {
                return "::ffff:" + Self.dottedQuad(UInt32(truncatingIfNeeded: low))
            }
            let groups = (0..<8).map { index -> UInt16 in
                let word = index < 4 ? high : low
                return UInt16(truncatingIfNeeded: word >> (48 - 16 * (index % 4)))
            }
            // The longest run of zero groups, if at least two long.
            var bestStart = -1
            var bestLength = 0
            var index = 0
            while index < 8 {
                guard groups[index] == 0 else {
                    index += 1
                    continue
                }
                var end = index
                while end < 8 && groups[end] == 0 { end += 1 }
                if end - index > bestLength {
                    bestStart = index
                    bestLength = end - index
                }
                index = end
            }
            if bestLength < 2 { bestStart = -1 }

            func hex(_ range: Range<Int>) -> String {
                groups[range].map { String($0, radix: 16) }.joined(separator: ":")
            }
            guard bestStart >= 0 else { return hex(0..<8) }
            return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
        }
    }

    /// Dotted decimal, written as octets into one small buffer (this is on
    /// every query's trace, so no per-octet strings).
    private static func dottedQuad(_ value: UInt32) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 15) { buffer in
            var count = 0
            for index in 0..<4 {
                if index > 0 {
                    buffer[count] = UInt8(ascii: ".")
                    count += 1
                }
                let octet = UInt8(truncatingIfNeeded: value >> (24 - 8 * index))
                if octet >= 100 {
                    buffer[count] = UInt8(ascii: "0") + octet / 100
                    count += 1
                }
                if octet >= 10 {
                    buffer[count] = UInt8(ascii: "0") + octet / 10 % 10
                    count += 1
                }
                buffer[count] = UInt8(ascii: "0") + octet % 10
                count += 1
            }
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[..<count]), as: UTF8.self)
        }
    }
}
