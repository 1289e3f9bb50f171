/// An error that stops a capture file from being read.
///
/// Errors are reserved for damage to the *container*: a file header that cannot be read, or a record or block
/// whose length makes the rest of the file impossible to walk. Problems that affect a single packet (an
/// unsupported link type, an IP fragment, a malformed UDP header) never throw; they are collected as
/// ``CaptureProblem`` values while the rest of the file is read.
///
/// Every case that concerns the file's contents carries the byte offset, from the start of the input, of the
/// header, record or block at fault.
public enum CaptureError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The input does not start with a pcap or pcapng magic number, and was not declared to be a `.tcpstream`.
    case unknownFormat
    /// The file header (pcap) or first Section Header Block (pcapng) ends before its fixed fields do.
    case truncatedHeader(at: Int)
    /// A pcap record (its 16-byte header or its captured bytes) or a `.tcpstream` message runs past the end
    /// of the input. `at` is the offset of the record header or length prefix.
    case truncatedRecord(at: Int)
    /// A pcapng block runs past the end of the input. `at` is the offset of the block's type field.
    case truncatedBlock(at: Int)
    /// A pcap record says it captured more bytes than the packet had on the wire (`incl_len > orig_len`),
    /// so the file cannot be trusted from here on.
    case badRecordLength(at: Int)
    /// A pcapng block's total length is below 12, not a multiple of 4, or differs from the copy that ends
    /// the block.
    case badBlockLength(at: Int)
    /// A pcapng Section Header Block's byte-order magic is neither `1A2B3C4D` nor `4D3C2B1A`.
    /// `at` is the offset of the byte-order magic.
    case badByteOrderMagic(at: Int)
    /// A pcapng section has a major version other than 1. `at` is the offset of the Section Header Block.
    case unsupportedVersion(major: UInt16, minor: UInt16, at: Int)
    /// The file could not be opened or read; `errno` is the value the C library reported.
    case fileUnreadable(path: String, errno: Int32)

    /// The byte offset the error refers to, or `nil` for errors that are not about a position in the input.
    public var offset: Int? {
        switch self {
        case .unknownFormat, .fileUnreadable:
            return nil
        case .truncatedHeader(let at), .truncatedRecord(let at), .truncatedBlock(let at),
            .badRecordLength(let at), .badBlockLength(let at), .badByteOrderMagic(let at):
            return at
        case .unsupportedVersion(_, _, let at):
            return at
        }
    }

    /// A one-line English description, suitable for a command-line tool.
    public var description: String {
        switch self {
        case .unknownFormat:
            return "unknown capture format (not pcap or pcapng)"
        case .truncatedHeader(let at):
            return "file header truncated at offset \(at)"
        case .truncatedRecord(let at):
            return "record truncated at offset \(at)"
        case .truncatedBlock(let at):
            return "pcapng block truncated at offset \(at)"
        case .badRecordLength(let at):
            return "record at offset \(at) captured more bytes than its original length"
        case .badBlockLength(let at):
            return "pcapng block at offset \(at) has an invalid total length"
        case .badByteOrderMagic(let at):
            return "pcapng byte-order magic invalid at offset \(at)"
        case .unsupportedVersion(let major, let minor, let at):
            return "pcapng section at offset \(at) has unsupported version \(major).\(minor)"
        case .fileUnreadable(let path, let errno):
            return "cannot read \(path) (errno \(errno))"
        }
    }
}
