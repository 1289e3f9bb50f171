#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// Writing to the standard streams without Foundation.
enum Output {
    /// Writes one line to standard output.
    static func line(_ text: String) {
        var text = text
        text.append("\n")
        text.withUTF8 { buffer in
            _ = fwrite(buffer.baseAddress, 1, buffer.count, stdout)
        }
    }

    /// Writes one line (or, with `newline: false`, a fragment) to standard error.
    static func error(_ text: String, newline: Bool = true) {
        var text = text
        if newline { text.append("\n") }
        text.withUTF8 { buffer in
            _ = fwrite(buffer.baseAddress, 1, buffer.count, stderr)
        }
    }

    /// Flushes standard output (before exiting or when a reader waits on a pipe).
    static func flush() {
        fflush(stdout)
    }

    /// Whether standard error is a terminal (for progress lines).
    static var stderrIsTerminal: Bool { isatty(2) == 1 }
}
