@preconcurrency internal import Glibc

/// An error number reported by a system call (the C `errno` value).
///
/// Modelled on swift-system's `Errno`: a thin `RawRepresentable` wrapper over
/// `CInt` with Swift-style names for the values this module meets. Values the
/// module has no name for still round-trip through ``init(rawValue:)``.
///
/// Use it in `catch` clauses through the `~=` overload:
///
/// ```swift
/// catch Errno.connectionRefused { ... }
/// ```
@frozen
public struct Errno: RawRepresentable, Error, Hashable, Sendable, CustomStringConvertible {
    /// The raw C `errno` value.
    public let rawValue: CInt

    /// Wraps a raw C `errno` value.
    public init(rawValue: CInt) {
        self.rawValue = rawValue
    }

    /// The value of `errno` right now. Read it immediately after the failing call.
    @inline(never)
    static var current: Errno {
        Errno(rawValue: errno)
    }

    /// The system's text for this error, from `strerror(3)`.
    ///
    /// The corresponding C function is `strerror`.
    @inline(never)
    public var description: String {
        guard let text = strerror(rawValue) else {
            return "errno \(rawValue)"
        }
        return String(cString: text)
    }

    /// Matches an error against this errno value in a `catch` or `switch` pattern.
    public static func ~= (pattern: Errno, value: any Error) -> Bool {
        guard let errno = value as? Errno else { return false }
        return errno == pattern
    }
}

extension Errno {
    /// `EINTR`: the call was interrupted by a signal.
    public static var interrupted: Errno { Errno(rawValue: EINTR) }
    /// `EAGAIN` (also `EWOULDBLOCK`): a non-blocking call would have to wait.
    public static var wouldBlock: Errno { Errno(rawValue: EAGAIN) }
    /// `EINPROGRESS`: a non-blocking `connect` has started and will finish later.
    public static var inProgress: Errno { Errno(rawValue: EINPROGRESS) }
    /// `EALREADY`: a previous non-blocking `connect` is still in progress.
    public static var alreadyInProgress: Errno { Errno(rawValue: EALREADY) }
    /// `ECONNREFUSED`: nothing listens at the remote address.
    public static var connectionRefused: Errno { Errno(rawValue: ECONNREFUSED) }
    /// `ECONNRESET`: the peer reset the connection.
    public static var connectionReset: Errno { Errno(rawValue: ECONNRESET) }
    /// `ECONNABORTED`: the connection was aborted locally.
    public static var connectionAborted: Errno { Errno(rawValue: ECONNABORTED) }
    /// `EPIPE`: writing to a connection the peer has closed.
    public static var brokenPipe: Errno { Errno(rawValue: EPIPE) }
    /// `ETIMEDOUT`: the kernel gave up on the connection.
    public static var timedOut: Errno { Errno(rawValue: ETIMEDOUT) }
    /// `EMSGSIZE`: the datagram is too large to send.
    public static var messageTooLong: Errno { Errno(rawValue: EMSGSIZE) }
    /// `ENETUNREACH`: no route to the network.
    public static var networkUnreachable: Errno { Errno(rawValue: ENETUNREACH) }
    /// `EHOSTUNREACH`: no route to the host.
    public static var hostUnreachable: Errno { Errno(rawValue: EHOSTUNREACH) }
    /// `EAFNOSUPPORT`: the address family is not supported (for example IPv6 disabled).
    public static var addressFamilyNotSupported: Errno { Errno(rawValue: EAFNOSUPPORT) }
    /// `EADDRNOTAVAIL`: the address is not available on this host.
    public static var addressNotAvailable: Errno { Errno(rawValue: EADDRNOTAVAIL) }
    /// `EADDRINUSE`: the address is already in use.
    public static var addressInUse: Errno { Errno(rawValue: EADDRINUSE) }
    /// `EMFILE`: this process has too many open file descriptors.
    public static var tooManyOpenFiles: Errno { Errno(rawValue: EMFILE) }
    /// `ENFILE`: the system has too many open files.
    public static var tooManyOpenFilesInSystem: Errno { Errno(rawValue: ENFILE) }
    /// `ENOBUFS`: the kernel ran out of buffer space.
    public static var noBufferSpace: Errno { Errno(rawValue: ENOBUFS) }
    /// `ENOMEM`: out of memory.
    public static var outOfMemory: Errno { Errno(rawValue: ENOMEM) }
    /// `EACCES`: permission denied.
    public static var permissionDenied: Errno { Errno(rawValue: EACCES) }
    /// `EPERM`: operation not permitted.
    public static var notPermitted: Errno { Errno(rawValue: EPERM) }
    /// `EBADF`: not an open file descriptor (a programming error).
    public static var badFileDescriptor: Errno { Errno(rawValue: EBADF) }
    /// `EINVAL`: an argument is invalid.
    public static var invalidArgument: Errno { Errno(rawValue: EINVAL) }
    /// `ENOENT`: no such file or directory.
    public static var noSuchFileOrDirectory: Errno { Errno(rawValue: ENOENT) }
    /// `EISDIR`: the path names a directory.
    public static var isDirectory: Errno { Errno(rawValue: EISDIR) }
    /// `ENOSYS`: the system call is not implemented.
    public static var notImplemented: Errno { Errno(rawValue: ENOSYS) }
}
