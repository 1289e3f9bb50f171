import DNSCapture
import Testing

@Suite("IP and UDP")
struct NetworkLayerTests {
    static let message = dnsQuery(id: 0x4242)

    static func read(_ packets: [[UInt8]], options: CaptureOptions = CaptureOptions()) throws -> CaptureReadResult {
        try CaptureFile.messages(in: pcapFile(linkType: 101, frames: packets), options: options)
    }

    @Test("IPv4 options are skipped by IHL")
    func ipv4Options() throws {
        let packet = Packet.ipv4(payload: Packet.udp(payload: Self.message), options: [0x94, 0x04, 0, 0, 1, 1, 1, 0])
        let result = try Self.read([packet])
        #expect(result.messages.map(\.bytes) == [Self.message])
        #expect(result.problems.isEmpty)
    }

    @Test("Ethernet padding after the datagram is ignored")
    func padding() throws {
        let frame = Link.ethernet(type: 0x0800, payload: Packet.udp4(Self.message) + [0, 0, 0, 0, 0, 0])
        let result = try CaptureFile.messages(in: pcapFile(linkType: 1, frames: [frame]))
        #expect(result.messages.map(\.bytes) == [Self.message])
    }

    @Test("a UDP length shorter than the IP payload wins; a longer one is reported")
    func udpLength() throws {
        let short = Packet.ipv4(payload: Packet.udp(payload: Self.message + [9, 9, 9], length: 8 + Self.message.count))
        let long = Packet.ipv4(payload: Packet.udp(payload: Self.message, length: 8 + Self.message.count + 1))
        let tiny = Packet.ipv4(payload: Packet.udp(payload: Self.message, length: 7))
        let result = try Self.read([short, long, tiny])
        #expect(result.messages.map(\.bytes) == [Self.message])
        #expect(result.problems.map(\.kind) == [.malformedUDP, .malformedUDP])
        #expect(result.problems.map(\.frame) == [2, 3])
        #expect(result.problems[0].destination?.port == 53)
    }

    @Test("a datagram cut by the snapshot length is reported, not decoded")
    func snapshotTruncation() throws {
        let packet = Packet.udp4(Self.message)
        let file = pcapFile(
            linkType: 101, records: [PcapRecord(data: Array(packet.prefix(40)), originalLength: packet.count)])
        let result = try CaptureFile.messages(in: file)
        #expect(result.messages.isEmpty)
        #expect(result.problems.map(\.kind) == [.truncatedPacket])
    }

    @Test("malformed IPv4 headers are reported and the next packet still decodes")
    func malformedIPv4() throws {
        var badIHL = Packet.udp4(Self.message)
        badIHL[0] = 0x44
        var shortTotal = Packet.udp4(Self.message)
        shortTotal.replaceSubrange(2..<4, with: be16(12))
        let result = try Self.read([
            badIHL, shortTotal, Array(Packet.udp4(Self.message).prefix(12)), Packet.udp4(Self.message),
        ])
        #expect(result.problems.map(\.kind) == [.malformedIPv4, .malformedIPv4, .malformedIPv4])
        #expect(result.messages.map(\.frame) == [4])
    }

    @Test("a link type announcing IPv6 with an IPv4 packet is malformed IPv6")
    func versionMismatch() throws {
        let result = try CaptureFile.messages(in: pcapFile(linkType: 229, frames: [Packet.udp4(Self.message)]))
        #expect(result.problems.map(\.kind) == [.malformedIPv6])
    }

    @Test("IPv4 fragments on DNS ports are reported, never decoded")
    func ipv4Fragments() throws {
        let udp = Packet.udp(payload: Self.message)
        let firstHalf = Array(udp.prefix(16))
        let secondHalf = Array(udp.dropFirst(16))
        let first = Packet.ipv4(payload: firstHalf, identification: 77, flagsAndOffset: 0x2000)
        let last = Packet.ipv4(payload: secondHalf, identification: 77, flagsAndOffset: 2)
        let otherPort = Packet.ipv4(
            payload: Array(Packet.udp(source: 1, destination: 2, payload: Self.message).prefix(16)),
            identification: 78, flagsAndOffset: 0x2000)
        let result = try Self.read([first, last, otherPort, Packet.udp4(Self.message)])
        #expect(result.messages.map(\.frame) == [4])
        #expect(result.problems.map(\.kind) == [.ipFragment(identification: 77), .ipFragment(identification: 77)])
        #expect(result.problems.map(\.frame) == [1, 2])
        #expect(result.problems[0].source?.description == "192.0.2.1:40000")
        #expect(result.problems[1].source == nil)
    }

    @Test("IPv6 hop-by-hop and destination options headers are walked")
    func ipv6Options() throws {
        let packet = Packet.ipv6(
            extensions: [.options(0, units: 1), .options(60, units: 2)], payload: Packet.udp(payload: Self.message))
        let result = try Self.read([packet])
        #expect(result.messages.map(\.bytes) == [Self.message])
        #expect(result.problems.isEmpty)
    }

    @Test("IPv6 routing and authentication headers are walked")
    func ipv6RoutingAndAH() throws {
        let packet = Packet.ipv6(
            extensions: [.options(43, units: 3), .authentication(words: 6)], payload: Packet.udp(payload: Self.message))
        let result = try Self.read([packet])
        #expect(result.messages.map(\.bytes) == [Self.message])
    }

    @Test("IPv6 fragments are reported; an atomic fragment header is decoded through")
    func ipv6Fragments() throws {
        let udp = Packet.udp(payload: Self.message)
        let first = Packet.ipv6(
            extensions: [.fragment(offset: 0, more: true, identification: 0xfeed)], payload: Array(udp.prefix(16)))
        let last = Packet.ipv6(
            extensions: [.fragment(offset: 2, more: false, identification: 0xfeed)], payload: Array(udp.dropFirst(16)))
        let atomic = Packet.ipv6(
            extensions: [.options(0, units: 1), .fragment(offset: 0, more: false, identification: 9)], payload: udp)
        let result = try Self.read([first, last, atomic])
        #expect(
            result.problems.map(\.kind) == [.ipFragment(identification: 0xfeed), .ipFragment(identification: 0xfeed)])
        #expect(result.messages.map(\.frame) == [3])
    }

    @Test("an IPv6 extension header running past the payload is malformed")
    func ipv6BadExtension() throws {
        var packet = Packet.ipv6(extensions: [.options(60, units: 1)], payload: Packet.udp(payload: Self.message))
        packet[41] = 200  // claims 1608 bytes
        let result = try Self.read([packet])
        #expect(result.problems.map(\.kind) == [.malformedIPv6])
    }

    @Test("UDP on other ports is ignored unless the port is listed")
    func ports() throws {
        let mdns = Packet.udp4(Self.message, source: 5353, destination: 5353)
        let other = Packet.udp4(Self.message, source: 1234, destination: 80)
        #expect(try Self.read([mdns, other]).messages.isEmpty)
        let result = try Self.read([mdns, other], options: CaptureOptions(dnsPorts: [53, 5353]))
        #expect(result.messages.map(\.frame) == [1])
        #expect(
            try CaptureFile.messages(in: pcapFile(linkType: 101, frames: [mdns]), dnsPorts: [5353]).messages.count == 1)
    }

    @Test("IP-in-IP tunnels are followed")
    func tunnels() throws {
        let inner = Packet.udp6(Self.message)
        let outer = Packet.ipv4(protocolNumber: 41, payload: inner)
        let result = try Self.read([outer])
        #expect(result.messages.map(\.bytes) == [Self.message])
        #expect(result.messages.first?.source?.address.description == "2001:db8::1")
    }

    @Test("an empty UDP datagram holds no message")
    func emptyDatagram() throws {
        let result = try Self.read([Packet.udp4([])])
        #expect(result.messages.isEmpty)
        #expect(result.problems.isEmpty)
    }
}
