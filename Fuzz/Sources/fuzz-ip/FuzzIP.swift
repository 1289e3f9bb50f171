import DNSTransport
import DNSWire
import FuzzSupport

#if canImport(Glibc)
import Glibc
#endif

// IP address text and reverse names.
//
// The input as text:
//   - if `IPAddress(parsing:)` accepts it, the description parses back to the
//     same address and is a fixed point (RFC 5952 text is canonical), the
//     octets round-trip, and the reverse name maps back to the address;
//   - glibc's `inet_pton` (AF_INET without a colon, AF_INET6 with one) is the
//     reference: both accept or both reject, and accepted text gives the same
//     octets. (Skipped for text with a NUL, where inet_pton stops early.)
// The input as a presentation-format name:
//   - if `IPAddress(reverseName:)` accepts it, the address's reverse name is
//     that name (case aside).
// The input as a server address (`SocketAddress(parsing:)`, what --server
// takes): its description parses back to the same address and port.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIP(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(fuzzInput(data, size))
    let text = String(decoding: bytes, as: UTF8.self)

    let parsed = try? IPAddress(parsing: text)
    if let address = parsed {
        checkAddress(address, source: text)
    }
    if !bytes.contains(0), String(decoding: bytes, as: UTF8.self).utf8.elementsEqual(bytes) {
        let reference = inetPton(text)
        switch (parsed, reference) {
        case (nil, nil):
            break
        case (let ours?, let theirs?):
            fuzzCheck(ours.bytes == theirs, "\(text.debugDescription): parsed as \(ours), inet_pton gives \(fuzzHex(theirs))")
        case (let ours?, nil):
            fuzzFailure("\(text.debugDescription): parsed as \(ours), inet_pton rejects it")
        case (nil, let theirs?):
            fuzzFailure("\(text.debugDescription): rejected, inet_pton accepts it as \(fuzzHex(theirs))")
        }
    }

    if let name = try? Name(parsing: text), let address = IPAddress(reverseName: name) {
        fuzzCheck(address.reverseName == name, "\(name) reads as \(address), whose reverse name is \(address.reverseName)")
        checkAddress(address, source: "reverse name \(name)")
    }

    if let server = SocketAddress(parsing: text) {
        let description = server.description
        fuzzCheck(SocketAddress(parsing: description) == server,
                  "server address \(text.debugDescription) -> \(description) does not parse back")
        fuzzCheck(server.port != 0, "server address \(text.debugDescription) with port 0")
    }
    return 0
}

private func checkAddress(_ address: IPAddress, source: String) {
    let description = address.description
    guard let again = try? IPAddress(parsing: description) else {
        fuzzFailure("description \(description.debugDescription) of \(source.debugDescription) does not parse")
    }
    fuzzCheck(again == address, "\(source.debugDescription) -> \(description) -> \(again)")
    fuzzCheck(again.description == description, "description not canonical: \(description) -> \(again.description)")

    let octets = address.bytes
    switch address {
    case .v4(let v4):
        fuzzCheck(octets.count == 4, "IPv4 octet count \(octets.count)")
        fuzzCheck(IPv4Address(octets[0], octets[1], octets[2], octets[3]) == v4, "IPv4 octets do not round-trip")
    case .v6(let v6):
        fuzzCheck(octets.count == 16, "IPv6 octet count \(octets.count)")
        fuzzCheck(IPv6Address(bytes: octets) == v6, "IPv6 octets do not round-trip")
        if let mapped = v6.ipv4Mapped {
            fuzzCheck(IPv6Address(mapping: mapped) == v6, "IPv4-mapped address does not round-trip")
            fuzzCheck(address.normalized == .v4(mapped), "normalized form of a mapped address")
        }
    }

    let reverse = address.reverseName
    guard let back = IPAddress(reverseName: reverse) else {
        fuzzFailure("reverse name \(reverse) of \(address) does not read back")
    }
    fuzzCheck(back == address, "reverse name \(reverse) of \(address) reads back as \(back)")
    let reparsed = try? Name(parsing: reverse.description)
    fuzzCheck(reparsed?.wireBytes == reverse.wireBytes, "reverse name \(reverse) does not survive its own text")
}

/// glibc's reading of the text: 4 or 16 octets, or nil.
private func inetPton(_ text: String) -> [UInt8]? {
    var buffer = [UInt8](repeating: 0, count: 16)
    let family = text.utf8.contains(UInt8(ascii: ":")) ? AF_INET6 : AF_INET
    let result = buffer.withUnsafeMutableBytes { out in
        inet_pton(family, text, out.baseAddress)
    }
    guard result == 1 else { return nil }
    return Array(buffer.prefix(family == AF_INET ? 4 : 16))
}
