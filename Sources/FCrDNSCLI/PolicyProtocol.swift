/// The Postfix SMTPD policy delegation protocol (SMTPD_POLICY_README): a
/// request is `name=value` lines ended by an empty line; the reply is one
/// `action=…` line and an empty line. Several requests share a connection.

/// One request: the attributes the client sent. Names are case-sensitive
/// (Postfix sends them in lower case); a repeated name keeps its last value.
struct PolicyRequest: Sendable, Hashable {
    var attributes: [String: String]

    subscript(name: String) -> String? { attributes[name] }

    /// The attribute if present and not empty.
    func nonEmpty(_ name: String) -> String? {
        guard let value = attributes[name], !value.isEmpty else { return nil }
        return value
    }
}

/// Why a connection's input cannot be read as policy requests. The server
/// logs it and closes the connection without replying, as SMTPD_POLICY_README
/// asks ("in case of trouble the policy server must not send a reply").
enum PolicyProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A line (without its newline) is longer than the limit.
    case lineTooLong(limit: Int)
    /// A request has more attributes than the limit.
    case tooManyAttributes(limit: Int)
    /// A request is longer, in bytes, than the limit.
    case requestTooLong(limit: Int)
    /// A line has no `=` (line number within the request, from 1).
    case missingEquals(line: Int)
    /// An attribute name is empty or has a byte other than ASCII letters,
    /// digits, `_`, `-` and `.`.
    case badAttributeName(line: Int)
    /// A NUL byte, which the protocol forbids in names and values.
    case nulByte(line: Int)
    /// A request without the required `request` attribute.
    case missingRequestAttribute

    var description: String {
        switch self {
        case .lineTooLong(let limit): "line longer than \(limit) bytes"
        case .tooManyAttributes(let limit): "more than \(limit) attributes in one request"
        case .requestTooLong(let limit): "request longer than \(limit) bytes"
        case .missingEquals(let line): "line \(line) of the request is not name=value"
        case .badAttributeName(let line): "line \(line) of the request has a bad attribute name"
        case .nulByte(let line): "line \(line) of the request has a NUL byte"
        case .missingRequestAttribute: "request without a 'request' attribute"
        }
    }
}

/// Splits a byte stream into policy requests, with limits on line length
/// and attribute count so a hostile or broken client costs bounded memory.
///
/// Feed it what arrives with ``append(_:)``, then take complete requests with
/// ``nextRequest()`` until it returns nil. A line may end in `\n` or `\r\n`.
struct PolicyRequestReader {
    struct Limits: Sendable, Hashable {
        /// The longest line, in bytes, without its line ending.
        var maximumLineLength = 4096
        /// The most attributes in one request (Postfix 3.7 sends about 30).
        var maximumAttributes = 100
        /// The longest request, in bytes (Postfix's are well under 2 KiB).
        var maximumRequestLength = 32_768
    }

    let limits: Limits
    private var buffer: [UInt8] = []
    /// Where the unread bytes of `buffer` start.
    private var start = 0
    private var attributes: [String: String] = [:]
    private var lineCount = 0
    /// Bytes of the current request taken from `buffer` so far.
    private var requestLength = 0

    init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Whether part of a request has arrived and its end has not.
    var isMidRequest: Bool { lineCount > 0 || start < buffer.count }

    /// Adds bytes that arrived.
    mutating func append(_ bytes: some Collection<UInt8>) {
        if start > 0 && start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete request, or nil when more bytes are needed.
    ///
    /// After an error the reader is unusable: the connection is to be closed.
    mutating func nextRequest() throws(PolicyProtocolError) -> PolicyRequest? {
        while true {
            guard let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) else {
                // A line without its end yet: it must still be able to fit.
                if buffer.count - start > limits.maximumLineLength + 1 {
                    throw .lineTooLong(limit: limits.maximumLineLength)
                }
                if requestLength + buffer.count - start > limits.maximumRequestLength {
                    throw .requestTooLong(limit: limits.maximumRequestLength)
                }
                return nil
            }
            var end = newline
            if end > start && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            let line = buffer[start..<end]
            requestLength += newline + 1 - start
            start = newline + 1
            guard line.count <= limits.maximumLineLength else { throw .lineTooLong(limit: limits.maximumLineLength) }
            guard requestLength <= limits.maximumRequestLength else {
                throw .requestTooLong(limit: limits.maximumRequestLength)
            }
            if line.isEmpty {
                let request = PolicyRequest(attributes: attributes)
                attributes = [:]
                lineCount = 0
                requestLength = 0
                guard request["request"] != nil else { throw .missingRequestAttribute }
                return request
            }
            lineCount += 1
            guard lineCount <= limits.maximumAttributes else { throw .tooManyAttributes(limit: limits.maximumAttributes) }
            guard !line.contains(0) else { throw .nulByte(line: lineCount) }
            guard let equals = line.firstIndex(of: UInt8(ascii: "=")) else { throw .missingEquals(line: lineCount) }
            let name = line[..<equals]
            guard !name.isEmpty, name.allSatisfy(Self.isNameByte) else { throw .badAttributeName(line: lineCount) }
            attributes[String(decoding: name, as: UTF8.self)] =
                String(decoding: line[line.index(after: equals)...], as: UTF8.self)
        }
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."):
            true
        default:
            false
        }
    }
}

/// The reply to one request.
enum PolicyReply {
    /// `action=<action>\n\n`, with any CR, LF or NUL in `action` turned into a
    /// space so a reply is always exactly one attribute.
    static func encode(action: String) -> [UInt8] {
        var bytes = Array("action=".utf8)
        bytes.reserveCapacity(bytes.count + action.utf8.count + 2)
        for byte in action.utf8 {
            bytes.append(byte == 0x0A || byte == 0x0D || byte == 0 ? UInt8(ascii: " ") : byte)
        }
        bytes.append(0x0A)
        bytes.append(0x0A)
        return bytes
    }
}
