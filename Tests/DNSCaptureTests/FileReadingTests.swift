import DNSCapture
import Glibc
import Testing

@Suite("Reading files from disk")
struct FileReadingTests {
    @Test("a missing file reports ENOENT; a directory reports EISDIR")
    func unreadable() {
        let missing = "/nonexistent/dnscapture-test.pcap"
        #expect(throws: CaptureError.fileUnreadable(path: missing, errno: ENOENT)) {
            try CaptureFile.readBytes(atPath: missing)
        }
        #expect(throws: CaptureError.fileUnreadable(path: "/", errno: EISDIR)) {
            try CaptureFile.messages(atPath: "/")
        }
    }

    @Test("a file larger than one read chunk is read whole")
    func roundTrip() throws {
        var frames: [[UInt8]] = []
        for id in 0..<400 { frames.append(Packet.udp4(dnsQuery(id: UInt16(id), extra: 200))) }
        let file = pcapFile(linkType: 101, frames: frames)
        #expect(file.count > 65536)

        var template = Array("/tmp/dnscapture-test-XXXXXX".utf8CString)
        let descriptor = unsafe mkstemp(&template)
        try #require(descriptor >= 0)
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { unsafe unlink(path) }
        let written = unsafe file.withUnsafeBytes { unsafe write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        try #require(written == file.count)

        #expect(try CaptureFile.readBytes(atPath: path) == file)
        let result = try CaptureFile.messages(atPath: path)
        #expect(result.messages.count == 400)
    }
}
