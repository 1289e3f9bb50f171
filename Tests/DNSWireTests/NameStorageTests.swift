import DNSWire
import Testing

/// Names of up to ``Name/inlineCapacity`` octets live in the value, longer
/// ones in a heap block (shared by the long names of one decoded message).
/// Everything a caller can observe must be the same on both sides of that
/// boundary.
@Suite("Name storage: inline and shared")
struct NameStorageTests {
    /// A name of exactly `octets` wire octets: labels of `x`, then `test.`.
    static func name(octets: Int, upper: Bool = false) throws -> Name {
        // "test." is 6 octets (4test + root); fill the rest with labels of at most 20 octets.
        var labels: [[UInt8]] = []
        var remaining = octets - 6
        while remaining > 0 {
            let length = min(20, remaining - 1)
            labels.append([UInt8](repeating: upper ? UInt8(ascii: "X") : UInt8(ascii: "x"), count: length))
            remaining -= length + 1
        }
        labels.append(Array((upper ? "TEST" : "test").utf8))
        return try Name(labels: labels)
    }

    @Test(arguments: [1, 6, 29, 30, 31, 32, 74, 255])
    func everyLengthBehavesTheSame(octets: Int) throws {
        let name = octets == 1 ? Name.root : try Self.name(octets: octets)
        #expect(name.wireLength == octets)
        #expect(name.wireBytes.count == octets)
        #expect(try Name(parsing: name.description) == name)
        #expect(try Name(wire: name.wireBytes).isIdentical(to: name))
        #expect(name.withUnsafeWireBytes { Array($0) } == name.wireBytes)
        #expect(name.labels.count == name.labelCount)
        #expect(name.labels.flatMap { [UInt8($0.count)] + $0 } + [0] == name.wireBytes)
        if octets > 1 {
            let upper = try Self.name(octets: octets, upper: true)
            #expect(upper == name)
            #expect(upper.hashValue == name.hashValue)
            #expect(!upper.isIdentical(to: name))
            #expect(name.isSubdomain(of: "test."))
            #expect(name.lowercased().isIdentical(to: name))
            #expect(upper.lowercased().isIdentical(to: name))
        }
    }

    @Test func suffixesCrossTheInlineBoundary() throws {
        let long = try Self.name(octets: 74)
        var current = long
        var lengths: [Int] = []
        while !current.isRoot {
            lengths.append(current.wireLength)
            let parent = current.parent
            #expect(current.isSubdomain(of: parent))
            #expect(parent.wireBytes == Array(current.wireBytes.dropFirst(Int(current.wireBytes[0]) + 1)))
            current = parent
        }
        #expect(lengths.contains { $0 > Name.inlineCapacity } && lengths.contains { $0 <= Name.inlineCapacity })
        #expect(long.droppingFirstLabels(long.labelCount) == .root)
        let suffix = long.droppingFirstLabels(2)
        #expect(try suffix == Name(wire: suffix.wireBytes))
    }

    @Test func aDecodedMessageMixesShortAndLongNamesAndTheirPointers() throws {
        // Long names (IPv6 reverse names, 74 octets) and short ones, each
        // written again later so that the encoder points at them.
        let v6 = IPv6Address("2001:db8::25")!.reverseName
        let v4 = IPv4Address(192, 0, 2, 25).reverseName
        #expect(v6.wireLength > Name.inlineCapacity && v4.wireLength <= Name.inlineCapacity)
        var message = Message(header: Header(id: 1))
        message.header.isResponse = true
        message.questions = [Question(name: v6, type: .ptr)]
        message.answers = [
            ResourceRecord(name: v6, ttl: 60, data: .ptr("mail.example.test.")),
            ResourceRecord(name: v6, ttl: 60, data: .ptr(try Self.name(octets: 40))),
            ResourceRecord(name: v4, ttl: 60, data: .ptr("mail.example.test.")),
            ResourceRecord(name: "MAIL.example.test.", ttl: 60, data: .a(IPv4Address(192, 0, 2, 25))),
        ]
        for compression in [true, false] {
            let back = try Message(decoding: message.encoded(options: .init(compression: compression)))
            #expect(back == message)
            #expect(back.answers[0].name.isIdentical(to: v6))
            #expect(back.answers[1].data == .ptr(try Self.name(octets: 40)))
            #expect(back.answers[2].name.isIdentical(to: v4))
            // A decoded name outlives the message it came from.
            let kept = back.answers[1].name
            #expect(kept.description == v6.description)
        }
    }

    @Test func reverseNamesRoundTripAtBothSizes() throws {
        for text in ["255.255.255.255", "0.0.0.0", "192.0.2.25"] {
            let address = IPv4Address(text)!
            let name = address.reverseName
            #expect(name.wireLength <= Name.inlineCapacity)
            #expect(IPAddress(reverseName: name) == .v4(address))
        }
        let v6 = IPv6Address("2001:db8::1")!
        #expect(IPAddress(reverseName: v6.reverseName) == .v6(v6))
    }
}
