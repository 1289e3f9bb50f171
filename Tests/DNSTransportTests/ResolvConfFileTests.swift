import DNSTransport
@preconcurrency import Glibc
import Testing

extension SocketTests {
    /// Reading files opens descriptors, so these run with the socket tests.
    @Suite("ResolvConf files")
    struct ResolvConfFileTests {
        /// Writes `bytes` to a fresh file under /tmp and returns its path.
        static func temporaryFile(_ bytes: [UInt8]) throws(TestError) -> String {
            let path = "/tmp/dnstransport-test-\(getpid())-\(SecureRandom.uint64()).conf"
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw TestError("open \(path): \(Errno(rawValue: errno))") }
            defer { close(fd) }
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written == bytes.count else { throw TestError("short write to \(path)") }
            return path
        }

        @Test func loadsAFileAndAppliesTheGivenEnvironment() throws {
            let path = try Self.temporaryFile(Array("nameserver 192.0.2.7\nsearch a.example\noptions ndots:2\n".utf8))
            defer { unlink(path) }
            let conf = try ResolvConf.load(
                path: path,
                environment: ["RES_OPTIONS": "ndots:4", "LOCALDOMAIN": "z.example"]
            )
            #expect(conf.nameservers.map(\.description) == ["192.0.2.7:53"])
            #expect(conf.searchDomains == ["z.example"])
            #expect(conf.options.ndots == 4)
        }

        @Test func largeFileIsReadInChunks() throws {
            var text = String(repeating: "# padding comment line that is long enough to matter\n", count: 1000)
            text += "nameserver 192.0.2.8\n"
            let path = try Self.temporaryFile(Array(text.utf8))
            defer { unlink(path) }
            #expect(
                try ResolvConf.load(path: path, environment: [:]).nameservers.map(\.description) == ["192.0.2.8:53"]
            )
        }

        @Test func missingFile() {
            let path = "/tmp/dnstransport-test-missing-\(SecureRandom.uint64())"
            #expect(throws: ResolvConfError.cannotRead(path: path, errno: .noSuchFileOrDirectory)) {
                try ResolvConf.load(path: path, environment: [:])
            }
        }

        @Test func directoryIsNotAFile() {
            #expect(throws: ResolvConfError.cannotRead(path: "/tmp", errno: .isDirectory)) {
                try ResolvConf.load(path: "/tmp", environment: [:])
            }
        }

        @Test func oversizedFileIsRefused() throws {
            let path = try Self.temporaryFile(
                [UInt8](repeating: UInt8(ascii: "#"), count: ResolvConf.maximumFileSize + 1)
            )
            defer { unlink(path) }
            #expect(throws: ResolvConfError.fileTooLarge(path: path, limit: ResolvConf.maximumFileSize)) {
                try ResolvConf.load(path: path, environment: [:])
            }
        }

        @Test func emptyFileLoadsButDoesNotValidate() throws {
            let path = try Self.temporaryFile([])
            defer { unlink(path) }
            let conf = try ResolvConf.load(path: path, environment: [:])
            #expect(throws: ResolvConfError.noNameservers) { try conf.validated() }
        }
    }
}
