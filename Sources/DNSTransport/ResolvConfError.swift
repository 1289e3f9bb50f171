/// Why a resolver configuration cannot be used.
public enum ResolvConfError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file could not be opened or read.
    case cannotRead(path: String, errno: Errno)
    /// The file is larger than ``ResolvConf/maximumFileSize``; nothing was parsed.
    case fileTooLarge(path: String, limit: Int)
    /// The configuration names no usable nameserver. (glibc would silently fall back
    /// to 127.0.0.1; this library refuses to guess.)
    case noNameservers

    /// A short English description.
    public var description: String {
        switch self {
        case .cannotRead(let path, let errno): "cannot read \(path): \(errno)"
        case .fileTooLarge(let path, let limit): "\(path) is larger than \(limit) bytes"
        case .noNameservers: "no usable nameserver configured"
        }
    }
}
