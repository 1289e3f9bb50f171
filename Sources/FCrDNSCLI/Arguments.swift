/// A command line split into positionals, options with values and flags,
/// checked against what the subcommand accepts.
struct Arguments {
    var positionals: [String] = []
    var values: [String: [String]] = [:]
    var flags: Set<String> = []

    /// A usage error: one line for stderr, exit status 64 (EX_USAGE).
    struct UsageError: Error {
        let message: String
    }

    /// Parses `arguments` for a subcommand that takes the options in
    /// `valued` (each followed by a value, `--x V` or `--x=V`) and `flags`.
    /// `--` ends option parsing.
    init(_ arguments: [String], valued: Set<String>, flags allowedFlags: Set<String>) throws(UsageError) {
        var index = 0
        var optionsEnded = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if optionsEnded || !argument.hasPrefix("-") || argument == "-" {
                positionals.append(argument)
                continue
            }
            if argument == "--" {
                optionsEnded = true
                continue
            }
            var name = argument
            var inline: String? = nil
            if let eq = argument.firstIndex(of: "=") {
                name = String(argument[..<eq])
                inline = String(argument[argument.index(after: eq)...])
            }
            if valued.contains(name) {
                if let inline {
                    values[name, default: []].append(inline)
                } else {
                    guard index < arguments.count else { throw UsageError(message: "option \(name) needs a value") }
                    values[name, default: []].append(arguments[index])
                    index += 1
                }
            } else if allowedFlags.contains(name), inline == nil {
                flags.insert(name)
            } else {
                throw UsageError(message: "unknown option \(argument)")
            }
        }
    }

    /// The last value given for an option.
    func value(_ name: String) -> String? { values[name]?.last }

    /// An integer option within a range, or the default.
    /// The value of `name`, which must be one of `options` (the first when absent).
    func choice(_ name: String, of options: [String]) throws(UsageError) -> String {
        guard let value = value(name) else { return options[0] }
        guard options.contains(value) else {
            throw UsageError(message: "\(name) takes \(options.joined(separator: " or ")), not '\(value)'")
        }
        return value
    }

    func integer(_ name: String, default defaultValue: Int, in range: ClosedRange<Int>) throws(UsageError) -> Int {
        guard let text = value(name) else { return defaultValue }
        guard let number = Int(text), range.contains(number) else {
            throw UsageError(message: "\(name) takes a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return number
    }
}
