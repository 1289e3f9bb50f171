/// Reader for the classic libpcap format (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-04.html).
///
/// A 24-byte file header (magic, version, reserved, snaplen, link type) is followed by records of a 16-byte
/// header (seconds, fraction, captured length, original length) and the captured bytes. The magic decides
/// the byte order and whether the fraction is in micro- or nanoseconds.
enum PcapReader {
    /// What the file header says.
    struct Header: Equatable {
        var bigEndian: Bool
        var nanosecond: Bool
        /// 16 for standard files, 24 for Alexey Kuznetzov's "modified" format (magic a1b2cd34).
        var recordHeaderLength: Int
        var snapshotLength: UInt32
        var linkType: UInt16
    }

    static let fileHeaderLength = 24

    /// Recognises a pcap magic number in the first four bytes: (big-endian, nanosecond, record header length).
    static func magic(_ bytes: [UInt8]) -> (bigEndian: Bool, nanosecond: Bool, recordHeaderLength: Int)? {
        guard bytes.count >= 4 else { return nil }
        switch bytes.uint32(at: 0) {
        case 0xa1b2_c3d4: return (true, false, 16)
        case 0xd4c3_b2a1: return (false, false, 16)
        case 0xa1b2_3c4d: return (true, true, 16)
        case 0x4d3c_b2a1: return (false, true, 16)
        case 0xa1b2_cd34: return (true, false, 24)
        case 0x34cd_b2a1: return (false, false, 24)
        default: return nil
        }
    }

    /// Parses the file header; throws when it is missing or cut short.
    static func header(_ bytes: [UInt8]) throws(CaptureError) -> Header {
        guard let magic = magic(bytes) else { throw .unknownFormat }
        guard bytes.count >= fileHeaderLength else { throw .truncatedHeader(at: 0) }
        return Header(
            bigEndian: magic.bigEndian,
            nanosecond: magic.nanosecond,
            recordHeaderLength: magic.recordHeaderLength,
            snapshotLength: bytes.uint32(at: 16, bigEndian: magic.bigEndian),
            // The upper bits may hold FCS information (draft-ietf-opsawg-pcap §4); the type is the low 16.
            linkType: UInt16(truncatingIfNeeded: bytes.uint32(at: 20, bigEndian: magic.bigEndian))
        )
    }

    /// Feeds every record to `extractor`; returns the error that stopped the walk early, if any.
    static func readRecords(_ bytes: [UInt8], _ header: Header, into extractor: inout FrameExtractor) -> CaptureError? {
        let big = header.bigEndian
        var offset = fileHeaderLength
        var number = 0
        while offset < bytes.count {
            guard bytes.count - offset >= header.recordHeaderLength else { return .truncatedRecord(at: offset) }
            let seconds = bytes.uint32(at: offset, bigEndian: big)
            let fraction = bytes.uint32(at: offset + 4, bigEndian: big)
            let capturedLength = Int(bytes.uint32(at: offset + 8, bigEndian: big))
            let originalLength = Int(bytes.uint32(at: offset + 12, bigEndian: big))
            guard capturedLength <= originalLength else { return .badRecordLength(at: offset) }
            let dataStart = offset + header.recordHeaderLength
            guard capturedLength <= bytes.count - dataStart else { return .truncatedRecord(at: offset) }
            number += 1
            // Some writers store a fraction of a second or more; CaptureTimestamp carries it into the seconds.
            let timestamp =
                header.nanosecond
                ? CaptureTimestamp(seconds: Int64(seconds), nanoseconds: fraction)
                : CaptureTimestamp(
                    seconds: Int64(seconds) + Int64(fraction / 1_000_000), nanoseconds: fraction % 1_000_000 * 1000)
            extractor.process(
                Frame(
                    linkType: header.linkType, interface: 0, range: dataStart..<(dataStart + capturedLength),
                    number: number, offset: offset, timestamp: timestamp),
                in: bytes)
            offset = dataStart + capturedLength
        }
        return nil
    }
}
