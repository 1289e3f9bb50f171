/// The line-by-line state machine behind ``ResolvConf/init(parsing:environment:)``.
///
/// Works on UTF-8 bytes: lines end at `\n` (a trailing `\r` is dropped), words
/// are separated by spaces and tabs, as in glibc's `res_init.c`.
struct ResolvConfParser {
    private(set) var nameservers: [SocketAddress] = []
    /// `nil` until a `search`/`domain` line or `LOCALDOMAIN` sets it.
    private(set) var searchDomains: [String]?
    private(set) var options = ResolvConf.Options()
    private(set) var warnings: [ResolvConf.Warning] = []
    private var searchFromEnvironment = false

    private static let space = UInt8(ascii: " ")
    private static let tab = UInt8(ascii: "\t")
    private static let carriageReturn = UInt8(ascii: "\r")
    private static let newline = UInt8(ascii: "\n")
    private static let hash = UInt8(ascii: "#")
    private static let semicolon = UInt8(ascii: ";")

    mutating func parse(text: String, environment: [String: String]) {
        // LOCALDOMAIN is read first and makes the file's search/domain lines inert (glibc order).
        if let localDomain = environment["LOCALDOMAIN"] {
            let value = Array(localDomain.utf8)
            let firstLine = value.split(separator: Self.newline, omittingEmptySubsequences: false).first ?? []
            searchDomains = Self.words(firstLine).map(Self.string)
            searchFromEnvironment = true
        }

        let bytes = Array(text.utf8)
        for (index, rawLine) in bytes.split(separator: Self.newline, omittingEmptySubsequences: false).enumerated() {
            var line = rawLine
            if line.last == Self.carriageReturn { line = line.dropLast() }
            parseLine(line, number: index + 1)
        }

        if let resOptions = environment["RES_OPTIONS"] {
            let source = ResolvConf.Warning.Source.environment("RES_OPTIONS")
            for word in Self.words(Array(resOptions.utf8)[...]) {
                applyOption(word, source: source, text: resOptions)
            }
        }
    }

    private mutating func parseLine(_ line: ArraySlice<UInt8>, number: Int) {
        guard let first = line.first(where: { !Self.isBlank($0) }) else { return }  // Blank line.
        if first == Self.hash || first == Self.semicolon { return }  // Comment (indented ones too).
        let text = Self.string(line)
        let source = ResolvConf.Warning.Source.line(number)
        if let lineStart = line.first, Self.isBlank(lineStart) {
            warn(source, text, .indentedLine)
            return
        }

        let words = Self.words(line)
        guard let keywordBytes = words.first else { return }
        let keyword = Self.string(keywordBytes)
        let arguments = words.dropFirst()

        switch keyword {
        case "nameserver":
            guard let address = arguments.first else {
                warn(source, text, .missingValue(keyword: keyword))
                return
            }
            addNameserver(Self.string(address), source: source, text: text)
            if arguments.count > 1 {
                warn(source, text, .trailingText(Self.joined(arguments.dropFirst())))
            }
        case "domain":
            if searchFromEnvironment { return }
            guard let domain = arguments.first else {
                warn(source, text, .missingValue(keyword: keyword))
                return
            }
            searchDomains = [Self.string(domain)]
            if arguments.count > 1 {
                warn(source, text, .trailingText(Self.joined(arguments.dropFirst())))
            }
        case "search":
            if searchFromEnvironment { return }
            guard !arguments.isEmpty else {
                warn(source, text, .missingValue(keyword: keyword))
                return
            }
            searchDomains = arguments.map(Self.string)
        case "options":
            guard !arguments.isEmpty else {
                warn(source, text, .missingValue(keyword: keyword))
                return
            }
            for option in arguments {
                applyOption(option, source: source, text: text)
            }
        case "sortlist":
            warn(source, text, .unsupportedKeyword(keyword))
        default:
            warn(source, text, .unknownKeyword(keyword))
        }
    }

    private mutating func addNameserver(_ word: String, source: ResolvConf.Warning.Source, text: String) {
        let host: Substring
        var scope: Substring?
        if let percent = word.firstIndex(of: "%") {
            host = word[..<percent]
            scope = word[word.index(after: percent)...]
        } else {
            host = word[...]
        }

        let address: SocketAddress
        if let ipv4 = SocketAddress.parseIPv4(host), scope == nil {
            address = SocketAddress(family: .ipv4, high: 0, low: ipv4, port: 53, scopeID: 0)
        } else if let (high, low) = SocketAddress.parseIPv6(host) {
            var scopeID: UInt32 = 0
            let unscoped = SocketAddress(family: .ipv6, high: high, low: low, port: 53, scopeID: 0)
            if let scope {
                if unscoped.isLinkLocal, let resolved = SocketAddress.resolveScope(scope) {
                    scopeID = resolved
                } else {
                    warn(source, text, .scopeIgnored(word))
                }
            }
            address = SocketAddress(family: .ipv6, high: high, low: low, port: 53, scopeID: scopeID)
        } else {
            warn(source, text, .invalidAddress(word))
            return
        }

        guard nameservers.count < ResolvConf.maximumNameservers else {
            warn(source, text, .tooManyNameservers)
            return
        }
        nameservers.append(address)
    }

    private mutating func applyOption(_ word: ArraySlice<UInt8>, source: ResolvConf.Warning.Source, text: String) {
        let option = Self.string(word)
        typealias Field = WritableKeyPath<ResolvConf.Options, Int>
        let numericOptions: [(name: String, field: Field, range: ClosedRange<Int>)] = [
            ("ndots", \.ndots, ResolvConf.Options.ndotsRange),
            ("timeout", \.timeoutSeconds, ResolvConf.Options.timeoutRange),
            ("attempts", \.attempts, ResolvConf.Options.attemptsRange),
        ]
        for (name, field, range) in numericOptions {
            guard let value = Self.value(of: option, prefix: name + ":") else { continue }
            guard let given = Self.saturatingInteger(value) else {
                warn(source, text, .invalidOptionValue(option))
                return
            }
            let used = min(max(given, range.lowerBound), range.upperBound)
            if used != given {
                warn(source, text, .valueClamped(option: name, given: given, used: used))
            }
            options[keyPath: field] = used
            return
        }

        let negated = option.hasPrefix("-")
        let name = negated ? String(option.dropFirst()) : option
        let enabled = !negated
        switch name {
        case "rotate": options.rotate = enabled
        case "edns0": options.edns0 = enabled
        case "use-vc": options.useTCP = enabled
        case "single-request": options.singleRequest = enabled
        case "single-request-reopen": options.singleRequestReopen = enabled
        case "no-aaaa": options.noAAAA = enabled
        case "trust-ad": options.trustAD = enabled
        case "no-tld-query", "no_tld_query": options.noTLDQuery = enabled
        case "no-reload": options.noReload = enabled
        case "debug", "inet6", "ip6-bytestring", "ip6-dotint", "no-ip6-dotint", "no-check-names",
            "insecure1", "insecure2":
            warn(source, text, .unsupportedOption(option))
        default:
            warn(source, text, .unknownOption(option))
        }
    }

    private mutating func warn(
        _ source: ResolvConf.Warning.Source,
        _ text: String,
        _ reason: ResolvConf.Warning.Reason
    ) {
        warnings.append(ResolvConf.Warning(source: source, text: text, reason: reason))
    }

    // MARK: - Lexing helpers

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == space || byte == tab || byte == carriageReturn
    }

    /// Splits on blanks; a word starting with `#` or `;` ends the line (inline comment).
    private static func words(_ line: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var words: [ArraySlice<UInt8>] = []
        for word in line.split(whereSeparator: isBlank) {
            if word.first == hash || word.first == semicolon { break }
            words.append(word)
        }
        return words
    }

    private static func string(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    private static func joined(_ words: ArraySlice<ArraySlice<UInt8>>) -> String {
        words.map(string).joined(separator: " ")
    }

    private static func value(of option: String, prefix: String) -> Substring? {
        option.hasPrefix(prefix) ? option.dropFirst(prefix.count) : nil
    }

    /// An optionally signed decimal integer, saturating at `Int.min`/`Int.max`; `nil` if not one.
    static func saturatingInteger(_ text: Substring) -> Int? {
        var digits = text.utf8[...]
        var negative = false
        if let sign = digits.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
            negative = sign == UInt8(ascii: "-")
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty else { return nil }
        var value = 0
        var saturated = false
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            if saturated { continue }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(digit - UInt8(ascii: "0")))
            if overflow1 || overflow2 {
                saturated = true
            } else {
                value = sum
            }
        }
        if saturated { return negative ? Int.min : Int.max }
        return negative ? -value : value
    }
}
