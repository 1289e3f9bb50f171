/// Entry points: recognise a capture's format and extract the DNS messages in it.
///
/// ```swift
/// let result = try CaptureFile.messages(atPath: "trace.pcapng")
/// for message in result.messages { print(message.frame, message.bytes.count) }
/// for problem in result.problems { print(problem) }
/// if let error = result.error { print("stopped early:", error) }
/// ```
public enum CaptureFile {
    /// Recognises the container from its first four bytes: a pcap magic number (either byte order, micro- or
    /// nanosecond), or the pcapng Section Header Block type `0A0D0D0A`. Returns `nil` for anything else
    /// (a `.tcpstream` file has no magic, so it is never recognised here).
    public static func detectFormat(_ bytes: [UInt8]) -> CaptureFormat? {
        if PcapReader.magic(bytes) != nil { return .pcap }
        if bytes.count >= 4 && bytes.uint32(at: 0) == PcapNGReader.sectionHeader { return .pcapng }
        return nil
    }

    /// Extracts the DNS messages on the given UDP/TCP ports from a pcap or pcapng capture.
    ///
    /// Throws only when nothing can be read: an unrecognised format or a damaged file header. Damage later
    /// in the file ends the walk and is returned in ``CaptureReadResult/error`` with everything read before it.
    public static func messages(
        in bytes: [UInt8],
        dnsPorts: Set<UInt16> = [53]
    ) throws(CaptureError) -> CaptureReadResult {
        try messages(in: bytes, format: nil, options: CaptureOptions(dnsPorts: dnsPorts))
    }

    /// Extracts DNS messages from a capture of the given format, or of the format ``detectFormat(_:)``
    /// finds when `format` is `nil` (falling back to `.tcpstream` if `options.unrecognizedAsTCPStream`).
    public static func messages(
        in bytes: [UInt8],
        format: CaptureFormat? = nil,
        options: CaptureOptions
    ) throws(CaptureError) -> CaptureReadResult {
        let resolved = format ?? detectFormat(bytes) ?? (options.unrecognizedAsTCPStream ? .tcpStream : nil)
        guard let resolved else {
            // Too short to hold a magic number at all reads as a truncated header rather than a wrong format.
            throw bytes.count < 4 ? .truncatedHeader(at: 0) : .unknownFormat
        }
        var extractor = FrameExtractor(options: options)
        let error: CaptureError?
        switch resolved {
        case .tcpStream:
            return TCPStreamFile.read(bytes)
        case .pcap:
            let header = try PcapReader.header(bytes)
            error = PcapReader.readRecords(bytes, header, into: &extractor)
        case .pcapng:
            try PcapNGReader.checkHeader(bytes)
            error = PcapNGReader.readBlocks(bytes, into: &extractor)
        }
        let (messages, problems) = extractor.finish()
        return CaptureReadResult(
            format: resolved, messages: messages, problems: problems, error: error,
            frameCount: extractor.frameCount)
    }
}
