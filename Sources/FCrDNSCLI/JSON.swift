/// A minimal JSON text builder for the CLI's machine-readable output.
///
/// Objects keep their keys in insertion order, so the output matches the
/// documented shape field for field.
struct JSONObject {
    private var fields: [String] = []

    mutating func set(_ key: String, _ value: String) { fields.append("\(JSON.quote(key)):\(JSON.quote(value))") }
    mutating func set(_ key: String, _ value: Int) { fields.append("\(JSON.quote(key)):\(value)") }
    mutating func set(_ key: String, _ value: Double) { fields.append("\(JSON.quote(key)):\(JSON.number(value))") }
    mutating func set(_ key: String, _ value: Bool) { fields.append("\(JSON.quote(key)):\(value)") }
    mutating func setNull(_ key: String) { fields.append("\(JSON.quote(key)):null") }
    /// Sets a value that is already JSON text (an object, array or literal).
    mutating func setRaw(_ key: String, _ json: String) { fields.append("\(JSON.quote(key)):\(json)") }

    var text: String { "{" + fields.joined(separator: ",") + "}" }
}

enum JSON {
    /// A JSON string literal with `"`, `\` and control characters escaped.
    static func quote(_ string: String) -> String {
        var out = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func array(_ items: [String]) -> String { "[" + items.joined(separator: ",") + "]" }

    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
