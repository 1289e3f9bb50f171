// Reverse-mapping names: in-addr.arpa (RFC 1035 §3.5) and ip6.arpa (RFC 3596 §2.5).

extension IPv4Address {
    /// The reverse-mapping name, `d.c.b.a.in-addr.arpa.`.
    ///
    /// Built straight into the name's single buffer: no allocation besides it.
    public var reverseName: Name {
        let suffix = ReverseNames.inAddrArpaSuffix
        return Name(uncheckedCapacity: 16 + suffix.count) { out in
            var write = 0
            var remaining = rawValue
            for _ in 0..<4 {
                let octet = UInt8(truncatingIfNeeded: remaining)
                remaining >>= 8
                let start = write
                write += 1
                if octet >= 100 {
                    out[write] = UInt8(ascii: "0") + octet / 100
                    write += 1
                }
                if octet >= 10 {
                    out[write] = UInt8(ascii: "0") + (octet / 10) % 10
                    write += 1
                }
                out[write] = UInt8(ascii: "0") + octet % 10
                write += 1
                out[start] = UInt8(write - start - 1)
            }
            for byte in suffix {
                out[write] = byte
                write += 1
            }
            return write
        }
    }
}

extension IPv6Address {
    /// The reverse-mapping name: 32 nibble labels, least significant first,
    /// then `ip6.arpa.` (`1.0.0.0. … .8.b.d.0.1.0.0.2.ip6.arpa.`).
    ///
    /// Built straight into the name's single buffer: no allocation besides it.
    public var reverseName: Name {
        // Two labels per address octet, written as one 32-bit store each
        // (`1 lo 1 hi`, least significant nibble first, from a table of the
        // 256 octets), then the 10 octets of `3ip6 4arpa 0` as two stores.
        return Name(uncheckedCapacity: 74) { buffer in
            let raw = UnsafeMutableRawPointer(buffer)
            ReverseNames.nibbleLabels.withUnsafeBufferPointer { table in
                var offset = 0
                for half in 0..<2 {
                    var value = half == 0 ? low : high
                    for _ in 0..<8 {
                        raw.storeBytes(of: table[Int(value & 0xFF)], toByteOffset: offset, as: UInt32.self)
                        offset &+= 4
                        value >>= 8
                    }
                }
            }
            // "\u{3}ip6\u{4}arp" then "a\0", little-endian.
            raw.storeBytes(of: UInt64(0x7072_6104_3670_6903).littleEndian, toByteOffset: 64, as: UInt64.self)
            raw.storeBytes(of: UInt16(0x0061).littleEndian, toByteOffset: 72, as: UInt16.self)
            return 74
        }
    }
}

extension IPAddress {
    /// The reverse-mapping name under in-addr.arpa or ip6.arpa.
    ///
    /// An IPv4-mapped IPv6 address is not normalised here; call
    /// ``normalized`` first when the IPv4 name is wanted.
    public var reverseName: Name {
        switch self {
        case .v4(let a): return a.reverseName
        case .v6(let a): return a.reverseName
        }
    }

    /// Reads a full reverse-mapping name back into its address.
    ///
    /// Accepts exactly four decimal labels (0…255, no leading zeros) under
    /// `in-addr.arpa.` or exactly 32 single-hex-digit labels under
    /// `ip6.arpa.`, case-insensitively. Anything else — a partial name
    /// (`2.0.192.in-addr.arpa.`), an RFC 2317 name with `/`, extra labels —
    /// gives nil.
    public init?(reverseName name: Name) {
        let wire = name.wireBytes
        if name.isSubdomain(of: ReverseNames.inAddrArpa) {
            let prefixLength = wire.count - ReverseNames.inAddrArpaSuffix.count
            var position = 0
            var octets: [UInt8] = []
            while position < prefixLength {
                let length = Int(wire[position])
                guard length >= 1, length <= 3, octets.count < 4 else { return nil }
                var value = 0
                for k in 1...length {
                    let digit = wire[position + k] &- UInt8(ascii: "0")
                    guard digit < 10 else { return nil }
                    value = value * 10 + Int(digit)
                }
                guard value <= 255, length == 1 || wire[position + 1] != UInt8(ascii: "0") else { return nil }
                octets.append(UInt8(value))
                position += 1 + length
            }
            guard octets.count == 4 else { return nil }
            self = .v4(IPv4Address(octets[3], octets[2], octets[1], octets[0]))
            return
        }
        if name.isSubdomain(of: ReverseNames.ip6Arpa) {
            guard wire.count == 64 + ReverseNames.ip6ArpaSuffix.count else { return nil }
            var low: UInt64 = 0
            var high: UInt64 = 0
            for i in 0..<32 {
                guard wire[2 * i] == 1, let nibble = IPv6Address.hexValue(wire[2 * i + 1]) else { return nil }
                if i < 16 {
                    low |= UInt64(nibble) << (4 * UInt64(i))
                } else {
                    high |= UInt64(nibble) << (4 * UInt64(i - 16))
                }
            }
            self = .v6(IPv6Address(high: high, low: low))
            return
        }
        return nil
    }
}

/// The reverse-tree apexes.
public enum ReverseNames {
    /// For each octet, its two nibble labels as they go into an ip6.arpa
    /// name, `1 lo 1 hi` (low nibble first), as a little-endian word.
    static let nibbleLabels: [UInt32] = (0..<256).map { (octet: Int) -> UInt32 in
        func hex(_ nibble: Int) -> UInt32 { UInt32(nibble < 10 ? 0x30 + nibble : 0x57 + nibble) }
        return (1 | hex(octet & 0xF) << 8 | 1 << 16 | hex(octet >> 4) << 24).littleEndian
    }

    /// `in-addr.arpa.`
    public static let inAddrArpa = Name(uncheckedWire: inAddrArpaSuffix)
    /// `ip6.arpa.`
    public static let ip6Arpa = Name(uncheckedWire: ip6ArpaSuffix)

    static let inAddrArpaSuffix: [UInt8] = [7] + Array("in-addr".utf8) + [4] + Array("arpa".utf8) + [0]
    static let ip6ArpaSuffix: [UInt8] = [3] + Array("ip6".utf8) + [4] + Array("arpa".utf8) + [0]
}
