public import DNSWire

/// A special-purpose address block (RFC 6890 and the IANA special-purpose
/// registries, plus the locally served zones of RFC 6303 and multicast).
public struct SpecialUseRange: Hashable, Sendable {
    /// The block in CIDR notation (`192.0.2.0/24`, `2001:db8::/32`).
    public let prefix: String
    /// Its name in the registry (`Documentation (TEST-NET-1)`).
    public let name: String
    /// Where it is defined (`RFC 5737`).
    public let reference: String

    let network: IPAddress
    let length: Int

    init(_ prefix: String, _ name: String, _ reference: String) {
        self.prefix = prefix
        self.name = name
        self.reference = reference
        var parts = prefix.split(separator: "/")
        let bits = Int(parts.removeLast())!
        // The table below is constant; a typo there is a programmer error.
        self.network = IPAddress(parts[0])!
        self.length = bits
    }

    /// True when `address` (already normalised) lies in the block.
    func contains(_ address: IPAddress) -> Bool {
        switch (address, network) {
        case (.v4(let a), .v4(let n)):
            guard length > 0 else { return true }
            let mask: UInt32 = length >= 32 ? .max : ~(UInt32.max >> UInt32(length))
            return a.rawValue & mask == n.rawValue & mask
        case (.v6(let a), .v6(let n)):
            let highMask: UInt64 = length >= 64 ? .max : (length == 0 ? 0 : ~(UInt64.max >> UInt64(length)))
            let lowBits = max(0, length - 64)
            let lowMask: UInt64 = lowBits >= 64 ? .max : (lowBits == 0 ? 0 : ~(UInt64.max >> UInt64(lowBits)))
            return a.high & highMask == n.high & highMask && a.low & lowMask == n.low & lowMask
        default:
            return false
        }
    }

    /// The most specific special-purpose block holding `address`, or nil
    /// for an ordinary global unicast address. IPv4-mapped IPv6 addresses
    /// are normalised to IPv4 first.
    public static func containing(_ address: IPAddress) -> SpecialUseRange? {
        let address = address.normalized
        return table.first { $0.contains(address) }
    }

    /// Every block, most specific first within overlapping blocks.
    public static let all: [SpecialUseRange] = table

    private static let table: [SpecialUseRange] = [
        // IPv4: RFC 6890 §2.2.2 and its updates, RFC 6303 §4, multicast.
        SpecialUseRange("0.0.0.0/8", "This network", "RFC 791, RFC 6890"),
        SpecialUseRange("10.0.0.0/8", "Private-Use", "RFC 1918"),
        SpecialUseRange("100.64.0.0/10", "Shared Address Space", "RFC 6598"),
        SpecialUseRange("127.0.0.0/8", "Loopback", "RFC 1122"),
        SpecialUseRange("169.254.0.0/16", "Link Local", "RFC 3927"),
        SpecialUseRange("172.16.0.0/12", "Private-Use", "RFC 1918"),
        SpecialUseRange("192.0.0.0/24", "IETF Protocol Assignments", "RFC 6890"),
        SpecialUseRange("192.0.2.0/24", "Documentation (TEST-NET-1)", "RFC 5737"),
        SpecialUseRange("192.88.99.0/24", "6to4 Relay Anycast", "RFC 3068, RFC 7526"),
        SpecialUseRange("192.168.0.0/16", "Private-Use", "RFC 1918"),
        SpecialUseRange("198.18.0.0/15", "Benchmarking", "RFC 2544"),
        SpecialUseRange("198.51.100.0/24", "Documentation (TEST-NET-2)", "RFC 5737"),
        SpecialUseRange("203.0.113.0/24", "Documentation (TEST-NET-3)", "RFC 5737"),
        SpecialUseRange("224.0.0.0/4", "Multicast", "RFC 5771"),
        SpecialUseRange("255.255.255.255/32", "Limited Broadcast", "RFC 919, RFC 8190"),
        SpecialUseRange("240.0.0.0/4", "Reserved", "RFC 1112"),
        // IPv6: RFC 6890 §2.2.3 and its updates, RFC 6303 §4.
        SpecialUseRange("::/128", "Unspecified Address", "RFC 4291"),
        SpecialUseRange("::1/128", "Loopback Address", "RFC 4291"),
        SpecialUseRange("::ffff:0:0/96", "IPv4-mapped Address", "RFC 4291"),
        SpecialUseRange("64:ff9b::/96", "IPv4-IPv6 Translation", "RFC 6052"),
        SpecialUseRange("100::/64", "Discard-Only Address Block", "RFC 6666"),
        SpecialUseRange("2001::/32", "TEREDO", "RFC 4380"),
        SpecialUseRange("2001::/23", "IETF Protocol Assignments", "RFC 2928"),
        SpecialUseRange("2001:db8::/32", "Documentation", "RFC 3849"),
        SpecialUseRange("2002::/16", "6to4", "RFC 3056"),
        SpecialUseRange("fc00::/7", "Unique-Local", "RFC 4193"),
        SpecialUseRange("fe80::/10", "Link-Local Unicast", "RFC 4291"),
        SpecialUseRange("ff00::/8", "Multicast", "RFC 4291"),
    ]
}
