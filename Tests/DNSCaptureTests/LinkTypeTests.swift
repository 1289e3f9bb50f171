import DNSCapture
import Testing

/// One link type, one frame holding a DNS query over UDP.
struct LinkCase: Sendable, CustomTestStringConvertible {
    var name: String
    var linkType: UInt32
    var frame: [UInt8]
    var ipv6 = false
    var testDescription: String { name }
}

let linkMessage = dnsQuery(id: 0xbeef)
let v4Packet = Packet.udp4(linkMessage)
let v6Packet = Packet.udp6(linkMessage)

let linkCases: [LinkCase] = [
    LinkCase(name: "Ethernet IPv4", linkType: 1, frame: Link.ethernet(type: 0x0800, payload: v4Packet)),
    LinkCase(name: "Ethernet IPv6", linkType: 1, frame: Link.ethernet(type: 0x86dd, payload: v6Packet), ipv6: true),
    LinkCase(
        name: "Ethernet 802.1Q", linkType: 1, frame: Link.ethernet(type: 0x0800, tags: [0x8100], payload: v4Packet)),
    LinkCase(
        name: "Ethernet 802.1ad + 802.1Q", linkType: 1,
        frame: Link.ethernet(type: 0x86dd, tags: [0x88a8, 0x8100], payload: v6Packet), ipv6: true),
    LinkCase(
        name: "Ethernet PPPoE", linkType: 1,
        frame: Link.ethernet(
            type: 0x8864, payload: [0x11, 0, 0, 1] + be16(UInt16(v4Packet.count + 2)) + be16(0x0021) + v4Packet)),
    LinkCase(
        name: "Ethernet MPLS", linkType: 1,
        frame: Link.ethernet(type: 0x8847, payload: [0, 1, 0, 64, 0, 2, 1, 64] + v4Packet)),
    LinkCase(name: "Linux SLL", linkType: 113, frame: Link.sll(protocolType: 0x0800, payload: v4Packet)),
    LinkCase(name: "Linux SLL2", linkType: 276, frame: Link.sll2(protocolType: 0x86dd, payload: v6Packet), ipv6: true),
    LinkCase(
        name: "NULL little-endian AF_INET", linkType: 0,
        frame: Link.null(family: 2, bigEndian: false, payload: v4Packet)),
    LinkCase(
        name: "NULL big-endian AF_INET", linkType: 0, frame: Link.null(family: 2, bigEndian: true, payload: v4Packet)),
    LinkCase(
        name: "NULL AF_INET6 (Linux 10)", linkType: 0,
        frame: Link.null(family: 10, bigEndian: false, payload: v6Packet), ipv6: true),
    LinkCase(
        name: "NULL AF_INET6 (BSD 24)", linkType: 0, frame: Link.null(family: 24, bigEndian: true, payload: v6Packet),
        ipv6: true),
    LinkCase(
        name: "NULL AF_INET6 (FreeBSD 28)", linkType: 0,
        frame: Link.null(family: 28, bigEndian: false, payload: v6Packet), ipv6: true),
    LinkCase(
        name: "NULL AF_INET6 (macOS 30)", linkType: 0,
        frame: Link.null(family: 30, bigEndian: false, payload: v6Packet), ipv6: true),
    LinkCase(name: "LOOP AF_INET", linkType: 108, frame: Link.null(family: 2, bigEndian: true, payload: v4Packet)),
    LinkCase(
        name: "LOOP AF_INET6", linkType: 108, frame: Link.null(family: 24, bigEndian: true, payload: v6Packet),
        ipv6: true),
    LinkCase(name: "raw IPv4 (101)", linkType: 101, frame: v4Packet),
    LinkCase(name: "raw IPv6 (101)", linkType: 101, frame: v6Packet, ipv6: true),
    LinkCase(name: "raw (12)", linkType: 12, frame: v4Packet),
    LinkCase(name: "raw (14)", linkType: 14, frame: v6Packet, ipv6: true),
    LinkCase(name: "IPv4 (228)", linkType: 228, frame: v4Packet),
    LinkCase(name: "IPv6 (229)", linkType: 229, frame: v6Packet, ipv6: true),
    LinkCase(
        name: "NFLOG", linkType: 239,
        frame: [2, 0, 0, 0] + le16(8) + le16(1) + [8, 0, 0, 0] + le16(UInt16(v4Packet.count + 4)) + le16(9) + v4Packet
            + [UInt8](repeating: 0, count: (4 - v4Packet.count % 4) % 4)),
]

@Suite("Link-layer types")
struct LinkTypeTests {
    @Test("finds the UDP payload", arguments: linkCases)
    func extractsMessage(_ link: LinkCase) throws {
        let file = pcapFile(linkType: link.linkType, frames: [link.frame])
        let result = try CaptureFile.messages(in: file)
        #expect(result.problems.isEmpty)
        #expect(result.error == nil)
        try #require(result.messages.count == 1)
        let message = result.messages[0]
        #expect(message.bytes == linkMessage)
        #expect(message.transport == .udp)
        #expect(message.frame == 1)
        #expect(message.offset == 24)
        #expect(message.destination?.port == 53)
        #expect(message.source?.port == 40000)
        let expectedSource = link.ipv6 ? "[2001:db8::1]:40000" : "192.0.2.1:40000"
        #expect(message.source?.description == expectedSource)
    }

    @Test("an unsupported link type is reported once per interface and skipped")
    func unsupportedLinkType() throws {
        let file = pcapFile(linkType: 105, frames: [v4Packet, v4Packet, v4Packet])
        let result = try CaptureFile.messages(in: file)
        #expect(result.messages.isEmpty)
        #expect(result.frameCount == 3)
        #expect(result.problems == [CaptureProblem(kind: .unsupportedLinkType(105), frame: 1, offset: 24)])
    }

    @Test("a frame shorter than its link header is reported; later frames still decode")
    func truncatedLinkHeader() throws {
        let good = Link.ethernet(type: 0x0800, payload: v4Packet)
        let file = pcapFile(linkType: 1, frames: [Array(good.prefix(10)), good])
        let result = try CaptureFile.messages(in: file)
        #expect(result.problems.map(\.kind) == [.truncatedLinkHeader])
        #expect(result.messages.map(\.frame) == [2])
    }

    @Test("non-IP frames (ARP, IEEE 802.3) are skipped silently")
    func nonIP() throws {
        let file = pcapFile(
            linkType: 1,
            frames: [
                Link.ethernet(type: 0x0806, payload: [UInt8](repeating: 0, count: 28)),
                Link.ethernet(type: 0x0040, payload: [UInt8](repeating: 0, count: 64)),
            ])
        let result = try CaptureFile.messages(in: file)
        #expect(result.messages.isEmpty)
        #expect(result.problems.isEmpty)
    }

    @Test("VLAN tags nested too deep count as a truncated header")
    func tooManyTags() throws {
        let frame = Link.ethernet(type: 0x0800, tags: [UInt16](repeating: 0x8100, count: 9), payload: v4Packet)
        let result = try CaptureFile.messages(in: pcapFile(linkType: 1, frames: [frame]))
        #expect(result.messages.isEmpty)
        #expect(result.problems.map(\.kind) == [.truncatedLinkHeader])
    }
}
