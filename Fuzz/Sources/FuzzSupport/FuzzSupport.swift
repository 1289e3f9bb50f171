#if canImport(Glibc)
import Glibc
#endif

/// The input libFuzzer hands to `LLVMFuzzerTestOneInput`, as a raw buffer (no copy).
///
/// libFuzzer allocates each input on the heap at exactly its size, so a read one
/// byte past the end of this buffer is an AddressSanitizer report.
@inlinable
public func fuzzInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(start: size == 0 ? nil : data, count: size)
}

/// Reports a broken invariant and aborts, so libFuzzer saves the input as a crash.
///
/// Writes with `write(2)` rather than `print`, so the message is out before the
/// abort even if stdout is buffered.
public func fuzzFailure(_ message: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    let text = "FUZZ INVARIANT BROKEN at \(file):\(line): \(message)\n"
    _ = text.utf8CString.withUnsafeBufferPointer { buffer in
        write(2, buffer.baseAddress, buffer.count - 1)
    }
    abort()
}

/// `fuzzFailure` unless `condition` holds.
@inlinable
public func fuzzCheck(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
    file: StaticString = #fileID, line: UInt = #line
) {
    if !condition() { fuzzFailure(message(), file: file, line: line) }
}

/// Hex of some bytes, for failure messages.
public func fuzzHex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0xF)])
    }
    return String(decoding: out, as: UTF8.self)
}
