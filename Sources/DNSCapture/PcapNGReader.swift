/// Reader for pcapng (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-03.html).
///
/// The file is a sequence of blocks `[type][total length][body][total length]`, each a multiple of 4 bytes.
/// A Section Header Block sets the byte order (from its byte-order magic) and starts a fresh list of
/// interfaces; Interface Description Blocks give each interface's link type, snapshot length and timestamp
/// unit; Enhanced, Simple and (obsolete) Packet Blocks hold the frames. Other blocks are skipped by length.
enum PcapNGReader {
    static let sectionHeader: UInt32 = 0x0a0d_0d0a
    static let interfaceDescription: UInt32 = 1
    static let obsoletePacket: UInt32 = 2
    static let simplePacket: UInt32 = 3
    static let enhancedPacket: UInt32 = 6

    /// Block type, block length, byte-order magic, versions and section length, plus the trailing length.
    static let minimumSectionHeaderLength = 28

    /// An interface as its Interface Description Block describes it.
    struct Interface {
        var linkType: UInt16
        var snapshotLength: UInt32
        var resolution: TimestampResolution
        var offsetSeconds: Int64
        /// Unique across sections, for per-interface problem reporting.
        var serial: Int
    }

    /// Checks the first Section Header Block far enough to trust the rest of the walk; throws otherwise.
    static func checkHeader(_ bytes: [UInt8]) throws(CaptureError) {
        guard bytes.count >= 4, bytes.uint32(at: 0) == sectionHeader else { throw .unknownFormat }
        guard bytes.count >= minimumSectionHeaderLength else { throw .truncatedHeader(at: 0) }
        guard let bigEndian = byteOrder(bytes, 8) else { throw .badByteOrderMagic(at: 8) }
        let major = bytes.uint16(at: 12, bigEndian: bigEndian)
        let minor = bytes.uint16(at: 14, bigEndian: bigEndian)
        guard major == 1 else { throw .unsupportedVersion(major: major, minor: minor, at: 0) }
    }

    /// Reads the byte-order magic at `index`: `true` for big-endian, `false` for little, `nil` if invalid.
    private static func byteOrder(_ bytes: [UInt8], _ index: Int) -> Bool? {
        switch bytes.uint32(at: index) {
        case 0x1a2b_3c4d: return true
        case 0x4d3c_2b1a: return false
        default: return nil
        }
    }

    /// Feeds every packet block to `extractor`; returns the error that stopped the walk early, if any.
    static func readBlocks(_ bytes: [UInt8], into extractor: inout FrameExtractor) -> CaptureError? {
        var bigEndian = false
        var interfaces: [Interface] = []
        var nextSerial = 0
        var offset = 0
        var number = 0
        while offset < bytes.count {
            guard bytes.count - offset >= 12 else { return .truncatedBlock(at: offset) }
            let type = bytes.uint32(at: offset, bigEndian: bigEndian)
            if type == sectionHeader {
                guard let order = byteOrder(bytes, offset + 8) else { return .badByteOrderMagic(at: offset + 8) }
                bigEndian = order
                interfaces = []
            }
            let length = Int(bytes.uint32(at: offset + 4, bigEndian: bigEndian))
            guard length >= 12, length % 4 == 0 else { return .badBlockLength(at: offset) }
            guard length <= bytes.count - offset else { return .truncatedBlock(at: offset) }
            guard Int(bytes.uint32(at: offset + length - 4, bigEndian: bigEndian)) == length else {
                return .badBlockLength(at: offset)
            }
            let body = (offset + 8)..<(offset + length - 4)
            switch type {
            case sectionHeader:
                guard body.count >= 16 else { return .badBlockLength(at: offset) }
                let major = bytes.uint16(at: body.lowerBound + 4, bigEndian: bigEndian)
                let minor = bytes.uint16(at: body.lowerBound + 6, bigEndian: bigEndian)
                guard major == 1 else { return .unsupportedVersion(major: major, minor: minor, at: offset) }
            case interfaceDescription:
                guard body.count >= 8 else {
                    extractor.report(.malformedBlock(type: type), frame: nil, offset: offset)
                    // Keep interface numbering aligned with the file even though this one is unusable.
                    interfaces.append(
                        Interface(
                            linkType: UInt16.max, snapshotLength: 0, resolution: .microseconds,
                            offsetSeconds: 0, serial: nextSerial))
                    nextSerial += 1
                    break
                }
                var interface = Interface(
                    linkType: bytes.uint16(at: body.lowerBound, bigEndian: bigEndian),
                    snapshotLength: bytes.uint32(at: body.lowerBound + 4, bigEndian: bigEndian),
                    resolution: .microseconds, offsetSeconds: 0, serial: nextSerial)
                nextSerial += 1
                readInterfaceOptions(
                    bytes, (body.lowerBound + 8)..<body.upperBound, bigEndian, offset,
                    into: &interface, extractor: &extractor)
                interfaces.append(interface)
            case enhancedPacket, obsoletePacket:
                number += 1
                guard body.count >= 20 else {
                    extractor.countSkippedFrame()
                    extractor.report(.malformedBlock(type: type), frame: number, offset: offset)
                    break
                }
                let start = body.lowerBound
                let interfaceID =
                    type == enhancedPacket
                    ? bytes.uint32(at: start, bigEndian: bigEndian)
                    : UInt32(bytes.uint16(at: start, bigEndian: bigEndian))
                let units =
                    UInt64(bytes.uint32(at: start + 4, bigEndian: bigEndian)) << 32
                    | UInt64(bytes.uint32(at: start + 8, bigEndian: bigEndian))
                let capturedLength = Int(bytes.uint32(at: start + 12, bigEndian: bigEndian))
                guard capturedLength <= body.count - 20 else {
                    extractor.countSkippedFrame()
                    extractor.report(.malformedBlock(type: type), frame: number, offset: offset)
                    break
                }
                guard Int(interfaceID) < interfaces.count else {
                    extractor.countSkippedFrame()
                    extractor.report(.unknownInterface(interfaceID), frame: number, offset: offset)
                    break
                }
                let interface = interfaces[Int(interfaceID)]
                extractor.process(
                    Frame(
                        linkType: interface.linkType, interface: interface.serial,
                        range: (start + 20)..<(start + 20 + capturedLength), number: number, offset: offset,
                        timestamp: interface.resolution.timestamp(units, offsetSeconds: interface.offsetSeconds)),
                    in: bytes)
            case simplePacket:
                number += 1
                guard body.count >= 4, let interface = interfaces.first else {
                    extractor.countSkippedFrame()
                    extractor.report(
                        body.count >= 4 ? .unknownInterface(0) : .malformedBlock(type: type),
                        frame: number, offset: offset)
                    break
                }
                // The captured length is implied: the original length, clipped by the snapshot length and
                // by the block (which may be padded).
                var capturedLength = min(Int(bytes.uint32(at: body.lowerBound, bigEndian: bigEndian)), body.count - 4)
                if interface.snapshotLength > 0 { capturedLength = min(capturedLength, Int(interface.snapshotLength)) }
                extractor.process(
                    Frame(
                        linkType: interface.linkType, interface: interface.serial,
                        range: (body.lowerBound + 4)..<(body.lowerBound + 4 + capturedLength), number: number,
                        offset: offset, timestamp: nil),
                    in: bytes)
            default:
                break
            }
            offset += length
        }
        return nil
    }

    /// Reads `if_tsresol` (9) and `if_tsoffset` (14) from an Interface Description Block's options.
    /// Options are `[code][length][value, padded to 4]`, ending at `opt_endofopt` (0) or the block's end.
    private static func readInterfaceOptions(
        _ bytes: [UInt8],
        _ range: Range<Int>,
        _ bigEndian: Bool,
        _ blockOffset: Int,
        into interface: inout Interface,
        extractor: inout FrameExtractor
    ) {
        var position = range.lowerBound
        while range.upperBound - position >= 4 {
            let code = bytes.uint16(at: position, bigEndian: bigEndian)
            let length = Int(bytes.uint16(at: position + 2, bigEndian: bigEndian))
            let value = position + 4
            guard code != 0, length <= range.upperBound - value else { return }
            switch code {
            case 9 where length >= 1:
                if let resolution = TimestampResolution(optionValue: bytes[value]) {
                    interface.resolution = resolution
                } else {
                    extractor.report(.badTimestampResolution(bytes[value]), frame: nil, offset: blockOffset)
                }
            case 14 where length >= 8:
                interface.offsetSeconds = Int64(bitPattern: bytes.uint64(at: value, bigEndian: bigEndian))
            default:
                break
            }
            position = value + ((length + 3) & ~3)
        }
    }
}
