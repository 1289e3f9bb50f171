import DNSCapture
import Testing

@Suite(".tcpstream files")
struct TCPStreamFileTests {
    static let messages = [dnsQuery(id: 1), [], dnsQuery(id: 3, extra: 400)]
    static let file = messages.flatMap(framed)

    @Test("splits length-prefixed messages, including empty ones")
    func split() throws {
        #expect(try TCPStreamFile.split(Self.file) == Self.messages)
        #expect(try TCPStreamFile.split([]) == [])
        let result = TCPStreamFile.read(Self.file)
        #expect(result.format == .tcpStream)
        #expect(result.messages.map(\.frame) == [1, 2, 3])
        #expect(result.messages.map(\.offset) == [0, Self.messages[0].count + 2, Self.messages[0].count + 4])
        #expect(result.messages.allSatisfy { $0.transport == .stream && $0.source == nil && $0.timestamp == nil })
    }

    @Test("a truncated tail throws truncatedRecord at the length prefix; read() keeps the messages before it")
    func truncatedTail() throws {
        let lastOffset = Self.messages[0].count + 4
        for cut in [lastOffset + 1, lastOffset + 2, Self.file.count - 1] {
            let prefix = Array(Self.file.prefix(cut))
            #expect(throws: CaptureError.truncatedRecord(at: lastOffset)) { try TCPStreamFile.split(prefix) }
            let result = TCPStreamFile.read(prefix)
            #expect(result.messages.map(\.bytes) == Array(Self.messages.prefix(2)))
            #expect(result.error == .truncatedRecord(at: lastOffset))
        }
    }
}
