extension Name {
    /// Parses a name in presentation format (RFC 1035 §5.1).
    ///
    /// Labels are separated by unescaped dots; `\.` and `\\` put a literal dot
    /// or backslash into a label, `\DDD` (three decimal digits, at most 255)
    /// any octet, and `\X` the character X. The name is always taken as fully
    /// qualified: the trailing dot is optional, and `.` alone is the root.
    /// Non-ASCII characters are stored as their UTF-8 octets.
    ///
    /// - Throws: ``NameError`` for an empty text, an empty label (`a..b`,
    ///   `.a`), a label over 63 octets, a name over 255 octets, or a bad escape.
    public init(parsing text: some StringProtocol) throws(NameError) {
        let utf8 = Array(text.utf8)
        guard !utf8.isEmpty else { throw .empty }
        if utf8 == [UInt8(ascii: ".")] {
            self = .root
            return
        }
        var wire: [UInt8] = [0]
        wire.reserveCapacity(utf8.count + 2)
        var labelStart = 0  // index in `wire` of the current label's length octet
        var index = 0
        func closeLabel() throws(NameError) {
            let length = wire.count - labelStart - 1
            guard length > 0 else { throw .emptyLabel }
            guard length <= Name.maximumLabelLength else { throw .labelTooLong(length) }
            wire[labelStart] = UInt8(length)
        }
        var endedWithDot = false
        while index < utf8.count {
            let c = utf8[index]
            endedWithDot = false
            if c == UInt8(ascii: ".") {
                try closeLabel()
                labelStart = wire.count
                wire.append(0)
                index += 1
                endedWithDot = true
                continue
            }
            if c == UInt8(ascii: "\\") {
                guard index + 1 < utf8.count else { throw .invalidEscape(at: index) }
                let next = utf8[index + 1]
                if next &- UInt8(ascii: "0") < 10 {
                    guard index + 3 < utf8.count else { throw .invalidEscape(at: index) }
                    var value = 0
                    for k in 1...3 {
                        let digit = utf8[index + k] &- UInt8(ascii: "0")
                        guard digit < 10 else { throw .invalidEscape(at: index) }
                        value = value * 10 + Int(digit)
                    }
                    guard value <= 255 else { throw .invalidEscape(at: index) }
                    wire.append(UInt8(value))
                    index += 4
                } else {
                    wire.append(next)
                    index += 2
                }
            } else {
                wire.append(c)
                index += 1
            }
            guard wire.count - labelStart - 1 <= Name.maximumLabelLength else {
                throw .labelTooLong(wire.count - labelStart - 1)
            }
        }
        if endedWithDot {
            // The last "label" opened by the trailing dot is the root label.
            wire[labelStart] = 0
        } else {
            try closeLabel()
            wire.append(0)
        }
        guard wire.count <= Name.maximumWireLength else { throw .nameTooLong }
        self.init(uncheckedWire: wire)
    }

    /// Appends the presentation form of one label as UTF-8 octets, escaping
    /// as BIND's `dig` does: `. ; \ ( ) " @ $` get a backslash, other octets
    /// outside `0x21...0x7E` become `\DDD`.
    static func appendEscaped<Label: Collection>(label: Label, to bytes: inout [UInt8]) where Label.Element == UInt8 {
        for byte in label {
            switch byte {
            case UInt8(ascii: "."), UInt8(ascii: ";"), UInt8(ascii: "\\"), UInt8(ascii: "("),
                UInt8(ascii: ")"), UInt8(ascii: "\""), UInt8(ascii: "@"), UInt8(ascii: "$"):
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(byte)
            case 0x21...0x7E:
                bytes.append(byte)
            default:
                appendDecimalEscape(byte, to: &bytes)
            }
        }
    }

    static func appendDecimalEscape(_ byte: UInt8, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\\"))
        bytes.append(UInt8(ascii: "0") + byte / 100)
        bytes.append(UInt8(ascii: "0") + (byte / 10) % 10)
        bytes.append(UInt8(ascii: "0") + byte % 10)
    }
}

extension Name: CustomStringConvertible, CustomDebugStringConvertible {
    /// The presentation form with a trailing dot (`mail.example.test.`, `.`
    /// for the root), with special and non-printable octets escaped.
    public var description: String {
        if isRoot { return "." }
        // Built as octets and made a String once: appending to a String label
        // by label cost more than the rest of a JSON result.
        return withWire { wire in
            var out: [UInt8] = []
            out.reserveCapacity(wire.count + 8)
            var position = 0
            while wire[position] != 0 {
                let length = Int(wire[position])
                Name.appendEscaped(label: UnsafeBufferPointer(rebasing: wire[(position + 1)..<(position + 1 + length)]),
                                   to: &out)
                out.append(UInt8(ascii: "."))
                position += 1 + length
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// The presentation form, quoted.
    public var debugDescription: String { "Name(\"\(description)\")" }
}

extension Name: ExpressibleByStringLiteral {
    /// Creates a name from a literal in presentation format.
    ///
    /// A malformed literal is a programmer error and traps; never use this
    /// initializer for text that comes from input (use ``init(parsing:)``).
    public init(stringLiteral value: String) {
        do {
            try self.init(parsing: value)
        } catch {
            preconditionFailure("invalid domain name literal \"\(value)\": \(error)")
        }
    }
}
