#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// The policy service's log: one line per event on standard error,
/// `TIMESTAMP EVENT key=value …`, with values from the network quoted and
/// made printable, so every line stays one line and can be parsed.
enum PolicyLog {
    /// Writes `event` with `fields` (a nil value is left out).
    static func write(_ event: String, _ fields: KeyValuePairs<String, String?>) {
        var line = timestamp() + " " + event
        for (key, value) in fields {
            guard let value else { continue }
            line += " " + key + "=" + quoted(value)
        }
        Output.error(line)
    }

    /// `value` as is when it is short printable ASCII without spaces, quotes
    /// or backslashes; otherwise in double quotes with `"`, `\` and
    /// non-printable bytes escaped (`\xNN`). Cut at 200 bytes (`…` marks a cut).
    static func quoted(_ value: String) -> String {
        let bytes = value.utf8
        let limit = 200
        let plain = !bytes.isEmpty && bytes.count <= limit
            && bytes.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
        if plain { return value }
        var out = "\""
        for byte in bytes.prefix(limit) {
            switch byte {
            case UInt8(ascii: "\""): out += "\\\""
            case UInt8(ascii: "\\"): out += "\\\\"
            case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(byte))
            default: out += "\\x" + hex(byte)
            }
        }
        if bytes.count > limit { out += "…" }
        return out + "\""
    }

    /// A duration as milliseconds with one decimal: `3.2ms`.
    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let tenths = seconds * 10_000 + attoseconds / 100_000_000_000_000
        return "\(tenths / 10).\(tenths % 10)ms"
    }

    /// UTC now as `2025-01-31T12:34:56.789Z`.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let millis = Int(now.tv_nsec / 1_000_000)
        let millisText = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(millisText)Z"
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef".unicodeScalars)
        return String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0xF)])
    }
}
