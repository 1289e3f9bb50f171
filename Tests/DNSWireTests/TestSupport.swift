#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import DNSWire

/// Locations and loaders for the test data beside the package.
enum TestData {
    /// The package root, found from this file's path (no SwiftPM resources,
    /// which would pull in Foundation).
    static let packageRoot: String = {
        var parts = String(#filePath).split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // Tests/DNSWireTests/TestSupport.swift
        return parts.joined(separator: "/")
    }()

    /// `../shared/corpus` beside the project (the public real-world corpus).
    static let corpusDirectory = packageRoot + "/../shared/corpus"

    /// Whether the shared corpus is present on this machine.
    static let corpusPresent: Bool = access(corpusDirectory + "/MANIFEST.md", R_OK) == 0

    /// Reads a whole file, or nil.
    static func read(_ path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, 65536, file) }
            if n <= 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    /// Splits a `.tcpstream` file (2-byte big-endian length + message, repeated).
    static func tcpstream(_ bytes: [UInt8]) -> [[UInt8]] {
        var messages: [[UInt8]] = []
        var i = 0
        while i + 2 <= bytes.count {
            let length = Int(bytes[i]) << 8 | Int(bytes[i + 1])
            guard i + 2 + length <= bytes.count else { break }
            messages.append(Array(bytes[(i + 2)..<(i + 2 + length)]))
            i += 2 + length
        }
        return messages
    }

    /// The messages of one corpus file (empty when the corpus is absent).
    static func corpus(_ file: String) -> [[UInt8]] {
        guard let bytes = read(corpusDirectory + "/" + file) else { return [] }
        return tcpstream(bytes)
    }

    /// Rows of the corpus index for one file: ordinal → (wireshark, dnspython) verdicts.
    static func corpusVerdicts(_ file: String) -> [Int: (wireshark: String, dnspython: String)] {
        guard let bytes = read(corpusDirectory + "/index.tsv") else { return [:] }
        var result: [Int: (String, String)] = [:]
        for line in bytes.split(separator: UInt8(ascii: "\n")).dropFirst() {
            let fields = line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false)
            guard fields.count > 9, String(decoding: fields[0], as: UTF8.self) == file,
                  let ordinal = Int(String(decoding: fields[1], as: UTF8.self)) else { continue }
            result[ordinal] = (String(decoding: fields[8], as: UTF8.self), String(decoding: fields[9], as: UTF8.self))
        }
        return result
    }

    /// Parses hex text (whitespace ignored) into octets.
    static func bytes(hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var pending: UInt8? = nil
        for c in hex.utf8 {
            let v: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = c - 48
            case UInt8(ascii: "a")...UInt8(ascii: "f"): v = c - 87
            case UInt8(ascii: "A")...UInt8(ascii: "F"): v = c - 55
            default: continue
            }
            if let high = pending { out.append(high << 4 | v); pending = nil } else { pending = v }
        }
        return out
    }
}

/// Builds wire messages by hand for hostile-input tests.
struct RawMessage {
    var bytes: [UInt8]

    init(id: UInt16 = 0x1234, flags: UInt16 = 0x8180, qd: UInt16 = 0, an: UInt16 = 0, ns: UInt16 = 0, ar: UInt16 = 0) {
        bytes = []
        for v in [id, flags, qd, an, ns, ar] { u16(v) }
    }

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { bytes.append(UInt8(v >> 8)); bytes.append(UInt8(v & 0xFF)) }
    mutating func u32(_ v: UInt32) { u16(UInt16(v >> 16)); u16(UInt16(v & 0xFFFF)) }
    mutating func labels(_ labels: String...) {
        for l in labels { u8(UInt8(l.utf8.count)); bytes.append(contentsOf: l.utf8) }
        u8(0)
    }
    mutating func pointer(_ offset: Int) { u16(0xC000 | UInt16(offset)) }
    var count: Int { bytes.count }
}
