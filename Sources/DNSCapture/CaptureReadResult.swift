/// Everything read from one capture: the DNS messages, the packets that had to be skipped, and, if the
/// container was damaged part-way through, the error that stopped the reading.
///
/// A command-line tool can print every message, then every problem, then the error if there is one:
/// a truncated final record costs only that record.
public struct CaptureReadResult: Sendable {
    /// The container format that was read.
    public var format: CaptureFormat
    /// The DNS messages, in capture order (a TCP message appears at the frame that completed it).
    public var messages: [CapturedMessage]
    /// Per-packet and per-stream problems, in the order of the frames they name (a TCP stream left
    /// incomplete at the end of the capture is reported at the last frame that added data to it).
    public var problems: [CaptureProblem]
    /// The error that stopped reading before the end of the input, or `nil` if the whole input was read.
    public var error: CaptureError?
    /// How many frames (pcap records, pcapng packet blocks, or `.tcpstream` messages) were read.
    public var frameCount: Int

    /// Creates a result.
    public init(
        format: CaptureFormat,
        messages: [CapturedMessage],
        problems: [CaptureProblem],
        error: CaptureError?,
        frameCount: Int
    ) {
        self.format = format
        self.messages = messages
        self.problems = problems
        self.error = error
        self.frameCount = frameCount
    }
}
