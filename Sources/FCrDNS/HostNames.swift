// Host-name checks over the octets of a Name: validity (RFC 952/1123),
// registrable-domain heuristic, and the generic/dynamic-name heuristics.
// Everything works on ASCII-folded bytes; nothing here lowercases Strings.

public import DNSWire

extension Name {
    /// The labels with ASCII letters folded to lower case.
    var foldedLabels: [ArraySlice<UInt8>] { lowercased().labels }
}

@inline(__always) func isDigit(_ b: UInt8) -> Bool { b &- UInt8(ascii: "0") < 10 }
@inline(__always) func isLowerAlpha(_ b: UInt8) -> Bool { b &- UInt8(ascii: "a") < 26 }
@inline(__always) func isAlpha(_ b: UInt8) -> Bool { (b | 0x20) &- UInt8(ascii: "a") < 26 }
@inline(__always) func hexValue(_ b: UInt8) -> UInt8? {
    if isDigit(b) { return b - UInt8(ascii: "0") }
    let lower = b | 0x20
    if lower >= UInt8(ascii: "a"), lower <= UInt8(ascii: "f") { return lower - UInt8(ascii: "a") + 10 }
    return nil
}

/// The labels of a name's wire form (``Name/withUnsafeWireBytes(_:)``), as
/// ranges of their octets, outermost last: a walk without allocating.
struct WireLabels: Sequence, IteratorProtocol {
    let wire: UnsafeBufferPointer<UInt8>
    private var position = 0

    init(_ wire: UnsafeBufferPointer<UInt8>) { self.wire = wire }

    mutating func next() -> Range<Int>? {
        guard wire[position] != 0 else { return nil }
        let start = position + 1
        position = start + Int(wire[position])
        return start..<position
    }
}

enum HostNameCheck {
    /// Why `name` is not a usable host name, or nil when it is one.
    ///
    /// Order of checks: reverse tree, numeric, then the octets of each label.
    static func problem(of name: Name) -> HostNameProblem? {
        if name.isRoot { return .root }
        if name.isSubdomain(of: ReverseNames.inAddrArpa) || name.isSubdomain(of: ReverseNames.ip6Arpa) {
            return .reverseTree
        }
        // On the wire form, without allocating: once per PTR name of every
        // evaluation.
        return name.withUnsafeWireBytes { wire -> HostNameProblem? in
            let labels = WireLabels(wire)
            if labels.allSatisfy({ wire[$0].allSatisfy(isDigit) }) { return .numeric }
            for label in labels {
                for byte in wire[label] where !(isAlpha(byte) || isDigit(byte) || byte == UInt8(ascii: "-")
                    || byte == UInt8(ascii: "_")) {
                    return .invalidOctet(byte)
                }
                if wire[label.lowerBound] == UInt8(ascii: "-") { return .leadingHyphen }
                if wire[label.upperBound - 1] == UInt8(ascii: "-") { return .trailingHyphen }
            }
            return nil
        }
    }

    /// The finding that reports `problem` for `name`.
    static func finding(for name: Name, problem: HostNameProblem) -> Finding {
        switch problem {
        case .numeric: return .numericName(name)
        case .reverseTree: return .reverseTreeName(name)
        case .root, .invalidOctet, .leadingHyphen, .trailingHyphen: return .invalidHostName(name, problem)
        }
    }
}

/// A built-in stand-in for the Public Suffix List, which this library does
/// not ship: the registrable domain of a name is its last two labels, or its
/// last three when the top-level label has two letters (a country code) and
/// the second-level label is a common generic second level (`co`, `com`,
/// `net`, `org`, `ac`, `gov`, `edu`, …), as in `example.co.uk`.
///
/// Known limits: suffixes such as `pvt.k12.ma.us`, `city.kawasaki.jp` or
/// private suffixes (`blogspot.com`) are not recognised, so two names under
/// different such registrations may be seen as one domain, and a name under
/// an unlisted two-level suffix as its own registrable domain.
public enum RegistrableDomain {
    /// Second-level labels treated as part of the public suffix under a
    /// two-letter top-level domain.
    public static let secondLevelLabels: Set<String> = [
        "ac", "co", "com", "edu", "gob", "gov", "gv", "ltd", "me", "mil", "ne", "net", "nhs", "nic", "nom",
        "or", "org", "plc", "sch",
    ]

    /// The number of labels the registrable domain of `name` has (0 for
    /// the root, at most the name's label count).
    static func labelCount(of name: Name) -> Int {
        // On the wire form, without allocating (it runs several times per
        // PTR name): the count, and where the last two labels start.
        name.withUnsafeWireBytes { wire -> Int in
            var count = 0
            var last = 0..<0
            var secondLast = 0..<0
            for label in WireLabels(wire) {
                count += 1
                (secondLast, last) = (last, label)
            }
            guard count > 2, last.count == 2, wire[last].allSatisfy(isAlpha),
                  let key = packedLabel(wire[secondLast]) else { return min(count, 2) }
            return packedSecondLevelLabels.contains(key) ? 3 : 2
        }
    }

    /// ``secondLevelLabels`` as ``packedLabel(_:)`` keys.
    static let packedSecondLevelLabels: Set<UInt64> = Set(secondLevelLabels.compactMap { packedLabel($0.utf8) })

    /// A label of at most 7 octets, ASCII letters folded to lower case, as
    /// one integer (a leading 1 bit, then the octets): a set lookup without
    /// making a String. Nil for longer labels, which no listed label is.
    static func packedLabel<Octets: Collection<UInt8>>(_ label: Octets) -> UInt64? {
        guard label.count <= 7 else { return nil }
        var key: UInt64 = 1
        for byte in label { key = key << 8 | UInt64(isAlpha(byte) ? byte | 0x20 : byte) }
        return key
    }

    /// The registrable domain of `name` by the heuristic above, case as in
    /// `name`.
    public static func of(_ name: Name) -> Name {
        name.droppingFirstLabels(name.labelCount - labelCount(of: name))
    }
}

/// The generic/dynamic-name heuristics.
///
/// Only the *host part* is examined: the labels in front of the registrable
/// domain (`dyn-192-0-2-50.pool` in `dyn-192-0-2-50.pool.example.test`).
/// Signals:
/// - the client address written into it: four decimal octets in order or
///   reversed, separated by `-`, `_` or `.`, possibly glued to letters
///   (`ip192-0-2-41`, `c-192-0-2-41`); the 12-digit or 32-bit decimal form;
///   8 hex digits; four or more consecutive IPv6 groups; the IPv6 interface
///   identifier (or whole address) in hex;
/// - otherwise a run of eight or more single-hex-digit labels (ip6.arpa
///   style), or else four numbers 0…255 in a row;
/// - an access-network keyword as a whole token: `dyn`, `dynamic`, `dhcp`,
///   `pool`, `dsl`, `adsl`, `cable`, `ppp`, `dialup`, `broadband`, … alone;
///   `client`, `host`, `ip`, `cust`, `user`, … only when the host part also
///   holds digits (`host41` but not `host`).
///
/// A host part holding an exempting token (`static`, `mail`, `smtp`, `mx`,
/// `mta`, `relay`, `out`, `outbound`, …) gives no finding at all: such
/// names are chosen for sending mail even when they carry the address.
/// Tokens are the letter runs and digit runs of the labels, so `mx1` is
/// `mx` + `1` and `mailpool` is one token (neither keyword nor exemption).
enum GenericNameHeuristics {
    static let strongKeywords: Set<String> = [
        "adsl", "broadband", "cable", "dhcp", "dial", "dialin", "dialup", "dsl", "dyn", "dynamic", "dynip",
        "ftth", "pool", "ppp", "pppoe", "residential", "sdsl", "vdsl", "xdsl",
    ]
    static let weakKeywords: Set<String> = [
        "client", "clients", "cust", "customer", "customers", "host", "hosts", "ip", "subscriber", "user", "users",
    ]
    static let exemptions: Set<String> = [
        "mail", "mailer", "mailout", "mta", "mx", "out", "outbound", "outgoing", "relay", "smtp", "smtpout",
        "static",
    ]

    private enum Token {
        case word(String)
        case number(ArraySlice<UInt8>, separatorBefore: Bool)
    }

    static func signals(for name: Name, client: IPAddress) -> [GenericNameSignal] {
        let folded = name.foldedLabels
        let hostCount = folded.count - RegistrableDomain.labelCount(of: name)
        guard hostCount > 0 else { return [] }
        let hostLabels = Array(folded[0..<hostCount])

        // Chunks: the label pieces between '-', '_' (and '.' inside a label).
        var chunks: [ArraySlice<UInt8>] = []
        for label in hostLabels {
            var start = label.startIndex
            for i in label.indices where isSeparator(label[i]) {
                if i > start { chunks.append(label[start..<i]) }
                start = i + 1
            }
            if start < label.endIndex { chunks.append(label[start..<label.endIndex]) }
        }

        // Tokens: letter runs and digit runs of the chunks, in order.
        var words: [String] = []
        var numbers: [ArraySlice<UInt8>] = []
        for chunk in chunks {
            var i = chunk.startIndex
            while i < chunk.endIndex {
                let digit = isDigit(chunk[i])
                var j = i
                while j < chunk.endIndex, isDigit(chunk[j]) == digit, isDigit(chunk[j]) || isLowerAlpha(chunk[j]) {
                    j += 1
                }
                if j == i {  // an octet that is neither: skip it
                    i += 1
                    continue
                }
                if digit {
                    numbers.append(chunk[i..<j])
                } else {
                    words.append(String(decoding: chunk[i..<j], as: UTF8.self))
                }
                i = j
            }
        }

        if words.contains(where: exemptions.contains) { return [] }

        // Address signals: the client's own address, else a nibble run, else
        // four numbers that could be an IPv4 address (the weakest, and
        // implied by the others' digits).
        var result: [GenericNameSignal] = []
        let embedded: GenericNameSignal.EmbeddedAddressForm?
        switch client.normalized {
        case .v4(let v4): embedded = embeddedIPv4(v4, numbers: numbers, chunks: chunks)
        case .v6(let v6): embedded = embeddedIPv6(v6, chunks: chunks)
        }
        if let embedded {
            result.append(.clientAddress(embedded))
        } else if hasNibbleRun(hostLabels) {
            result.append(.ipv6Nibbles)
        } else if hasFourOctets(numbers) {
            result.append(.ipv4LikeNumbers)
        }

        let hasDigits = !numbers.isEmpty
        var seen: Set<String> = []
        for word in words where !seen.contains(word) {
            if strongKeywords.contains(word) || (hasDigits && weakKeywords.contains(word)) {
                result.append(.keyword(word))
                seen.insert(word)
            }
        }
        return result
    }

    @inline(__always) static func isSeparator(_ b: UInt8) -> Bool {
        b == UInt8(ascii: "-") || b == UInt8(ascii: "_") || b == UInt8(ascii: ".")
    }

    /// The decimal value of a digit run, or nil above `limit`.
    static func decimal(_ digits: ArraySlice<UInt8>, limit: UInt64) -> UInt64? {
        var value: UInt64 = 0
        for d in digits {
            value = value &* 10 &+ UInt64(d - UInt8(ascii: "0"))
            if value > limit { return nil }
        }
        return value
    }

    static func hexChunkValue(_ chunk: ArraySlice<UInt8>) -> UInt64? {
        guard chunk.count <= 16 else { return nil }
        var value: UInt64 = 0
        for b in chunk {
            guard let nibble = hexValue(b) else { return nil }
            value = value << 4 | UInt64(nibble)
        }
        return value
    }

    static func embeddedIPv4(_ address: IPv4Address, numbers: [ArraySlice<UInt8>], chunks: [ArraySlice<UInt8>])
        -> GenericNameSignal.EmbeddedAddressForm?
    {
        let octets = address.bytes.map(UInt64.init)
        let values = numbers.map { $0.count <= 3 ? decimal($0, limit: 255) : nil }
        if values.count >= 4 {
            for start in 0...(values.count - 4) {
                let window = values[start..<(start + 4)]
                if window.elementsEqual(octets.map(Optional.some)) { return .octets }
                if window.elementsEqual(octets.reversed().map(Optional.some)) { return .reversedOctets }
            }
        }
        let raw = UInt64(address.rawValue)
        for digits in numbers {
            if digits.count == 12 {
                let parts = stride(from: 0, to: 12, by: 3).map {
                    decimal(digits[(digits.startIndex + $0)..<(digits.startIndex + $0 + 3)], limit: 999)
                }
                if parts.elementsEqual(octets.map(Optional.some)) { return .decimal }
            }
            if digits.count >= 8, digits.count <= 10, decimal(digits, limit: UInt64(UInt32.max)) == raw,
               digits.first != UInt8(ascii: "0") {
                return .decimal
            }
        }
        let reversedRaw = UInt64(address.rawValue.byteSwapped)
        for chunk in chunks where chunk.count == 8 {
            if let value = hexChunkValue(chunk), value == raw || value == reversedRaw { return .hex }
        }
        return nil
    }

    static func hasFourOctets(_ numbers: [ArraySlice<UInt8>]) -> Bool {
        var run = 0
        for digits in numbers {
            if digits.count <= 3, decimal(digits, limit: 255) != nil {
                run += 1
                if run >= 4 { return true }
            } else {
                run = 0
            }
        }
        return false
    }

    static func embeddedIPv6(_ address: IPv6Address, chunks: [ArraySlice<UInt8>])
        -> GenericNameSignal.EmbeddedAddressForm?
    {
        let groups = address.groups.map(UInt64.init)
        let values = chunks.map { $0.count <= 4 ? hexChunkValue($0) : nil }
        if values.count >= 4 {
            for start in 0...(values.count - 4) {
                // A window of four chunks equal to four consecutive groups,
                // not all zero (zero runs match too easily).
                for g in 0...4 {
                    let expected = groups[g..<(g + 4)]
                    guard expected.contains(where: { $0 != 0 }) else { continue }
                    if values[start..<(start + 4)].elementsEqual(expected.map(Optional.some)) { return .ipv6Groups }
                }
            }
        }
        for chunk in chunks where chunk.count == 16 || chunk.count == 32 {
            if chunk.count == 16, let value = hexChunkValue(chunk), value == address.low, value != 0 { return .ipv6Hex }
            if chunk.count == 32,
               let high = hexChunkValue(chunk.prefix(16)), let low = hexChunkValue(chunk.suffix(16)),
               high == address.high, low == address.low {
                return .ipv6Hex
            }
        }
        return nil
    }

    static func hasNibbleRun(_ labels: [ArraySlice<UInt8>]) -> Bool {
        var run = 0
        for label in labels {
            if label.count == 1, hexValue(label[label.startIndex]) != nil {
                run += 1
                if run >= 8 { return true }
            } else {
                run = 0
            }
        }
        return false
    }
}
