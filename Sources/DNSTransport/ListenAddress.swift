/// Where a server listens: an IP address with a port, or a Unix-domain socket path.
///
/// Text forms, as ``init(parsing:)`` reads them: `127.0.0.1:9998`,
/// `[::1]:9998` (the port is required; `0` asks the kernel for a free one),
/// and `unix:/run/fcrdns/policy.sock`.
public enum ListenAddress: Sendable, Hashable, CustomStringConvertible {
    /// A TCP address and port.
    case inet(SocketAddress)
    /// A Unix-domain stream socket at this path.
    case unix(path: String)

    /// Parses `ADDR:PORT`, `[IPv6]:PORT` or `unix:PATH`; nil for anything else
    /// (a missing port, a bad address, an empty or over-long path).
    public init?(parsing text: String) {
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst("unix:".count))
            let bytes = path.utf8
            guard !bytes.isEmpty, bytes.count <= unixSocketPathLimit, !bytes.contains(0) else { return nil }
            self = .unix(path: path)
            return
        }
        // The port is required (0 included): `[v6]:port`, or IPv4 with exactly one colon.
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[close...].hasPrefix("]:") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard text.utf8.count(where: { $0 == UInt8(ascii: ":") }) == 1, let colon = text.firstIndex(of: ":")
            else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !portText.isEmpty, portText.utf8.count <= 5,
            portText.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let port = UInt16(portText),
            let address = SocketAddress(parsingHost: String(host), port: port)
        else { return nil }
        self = .inet(address)
    }

    /// `127.0.0.1:9998`, `[::1]:9998` or `unix:/path`.
    public var description: String {
        switch self {
        case .inet(let address): address.description
        case .unix(let path): "unix:" + path
        }
    }
}
