extension ResolvConf {
    /// A line or option the parser skipped or adjusted. Parsing never fails on bad input;
    /// it records one of these and goes on, as glibc does (glibc just stays silent).
    public struct Warning: Sendable, Hashable, CustomStringConvertible {
        /// Where the problem was.
        public enum Source: Sendable, Hashable {
            /// A line of the file (1-based).
            case line(Int)
            /// An environment variable (`RES_OPTIONS`).
            case environment(String)
        }

        /// What was wrong, and what the parser did about it.
        public enum Reason: Sendable, Hashable {
            /// A keyword the parser does not know (`lookup`, `port`, typos). Line skipped.
            case unknownKeyword(String)
            /// A keyword glibc knows but this resolver does not use (`sortlist`). Line skipped.
            case unsupportedKeyword(String)
            /// A keyword with nothing after it. Line skipped.
            case missingValue(keyword: String)
            /// A line starting with a space or tab: glibc ignores such lines, and so does this parser.
            case indentedLine
            /// Not an IPv4 or IPv6 address (`inet_pton`; glibc's laxer `inet_aton` forms
            /// like `127.1` are rejected too). Line skipped.
            case invalidAddress(String)
            /// A `%scope` that could not be applied (unknown interface, or an address
            /// that is not link-local). The address is kept with scope 0, as glibc does.
            case scopeIgnored(String)
            /// A valid `nameserver` beyond the first ``ResolvConf/maximumNameservers``. Ignored, as glibc does.
            case tooManyNameservers
            /// Words after the single value of `nameserver` or `domain`. Ignored, as glibc does.
            case trailingText(String)
            /// An option the parser does not know. Ignored, as glibc does.
            case unknownOption(String)
            /// A glibc option without effect here (`debug`, `inet6`, `no-check-names`, ...). Ignored.
            case unsupportedOption(String)
            /// `ndots:`, `timeout:` or `attempts:` without a decimal integer. Ignored.
            case invalidOptionValue(String)
            /// A numeric option outside its range, clamped to `used`.
            case valueClamped(option: String, given: Int, used: Int)
        }

        /// Where the problem was.
        public var source: Source
        /// The whole offending line (or the environment variable's value).
        public var text: String
        /// What was wrong.
        public var reason: Reason

        /// Creates a warning.
        public init(source: Source, text: String, reason: Reason) {
            self.source = source
            self.text = text
            self.reason = reason
        }

        /// For example `line 3: unknown keyword "lookup": lookup file bind`.
        public var description: String {
            let place: String
            switch source {
            case .line(let number): place = "line \(number)"
            case .environment(let name): place = name
            }
            let what: String
            switch reason {
            case .unknownKeyword(let word): what = "unknown keyword \"\(word)\""
            case .unsupportedKeyword(let word): what = "unsupported keyword \"\(word)\""
            case .missingValue(let keyword): what = "\"\(keyword)\" without a value"
            case .indentedLine: what = "indented line ignored"
            case .invalidAddress(let address): what = "invalid address \"\(address)\""
            case .scopeIgnored(let address): what = "scope ignored in \"\(address)\""
            case .tooManyNameservers: what = "more than \(ResolvConf.maximumNameservers) nameservers; extra ignored"
            case .trailingText(let rest): what = "ignored trailing text \"\(rest)\""
            case .unknownOption(let option): what = "unknown option \"\(option)\""
            case .unsupportedOption(let option): what = "unsupported option \"\(option)\""
            case .invalidOptionValue(let option): what = "invalid option value \"\(option)\""
            case .valueClamped(let option, let given, let used): what = "\(option):\(given) clamped to \(used)"
            }
            return "\(place): \(what): \(text)"
        }
    }
}
