import DNSWire
import FuzzSupport

// Domain names in presentation format (RFC 1035 §5.1) and in wire form.
//
// Text direction: the input as text. If `Name(parsing:)` accepts it, its
// `description` must parse again to the identical name (same octets, same
// case), and describe itself the same way (the description is canonical).
//
// Wire direction: the input as an uncompressed wire name. If `Name(wire:)`
// accepts it, its description must parse back to the same octets.
//
// Both directions also check labels, parent, lowercasing and hashing.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzName(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let raw = fuzzInput(data, size)
    let bytes = Array(raw)

    // Non-UTF-8 input is repaired (U+FFFD) by String(decoding:); the parser sees valid text either way.
    let text = String(decoding: bytes, as: UTF8.self)
    if let name = try? Name(parsing: text) {
        checkRoundTrip(name, source: "text \(fuzzHex(bytes))")
    }
    // The same bytes as a Substring (another StringProtocol path).
    let substringResult = Result { () throws(NameError) in try Name(parsing: Substring(text)) }
    let stringResult = Result { () throws(NameError) in try Name(parsing: text) }
    fuzzCheck(identical(substringResult, stringResult), "String and Substring parse differently: \(fuzzHex(bytes))")

    if let name = try? Name(wire: bytes) {
        fuzzCheck(name.wireBytes == bytes, "Name(wire:) changed the octets: \(fuzzHex(bytes)) -> \(fuzzHex(name.wireBytes))")
        checkRoundTrip(name, source: "wire \(fuzzHex(bytes))")
    }
    return 0
}

private func identical(_ a: Result<Name, NameError>, _ b: Result<Name, NameError>) -> Bool {
    switch (a, b) {
    case (.success(let x), .success(let y)): return x.wireBytes == y.wireBytes
    case (.failure(let x), .failure(let y)): return x == y
    default: return false
    }
}

private func checkRoundTrip(_ name: Name, source: String) {
    let wire = name.wireBytes
    fuzzCheck(wire.count == name.wireLength, "wireLength \(name.wireLength) != \(wire.count) for \(source)")
    fuzzCheck(wire.count >= 1 && wire.count <= Name.maximumWireLength, "wire length \(wire.count) for \(source)")
    fuzzCheck(wire.last == 0, "wire form does not end with the root label for \(source)")

    let text = name.description
    let reparsed: Name
    do {
        reparsed = try Name(parsing: text)
    } catch {
        fuzzFailure("description \(text.debugDescription) does not parse (\(error)) for \(source)")
    }
    fuzzCheck(reparsed.wireBytes == wire,
              "parse(description) differs: \(fuzzHex(wire)) -> \(text.debugDescription) -> \(fuzzHex(reparsed.wireBytes))")
    fuzzCheck(reparsed.isIdentical(to: name), "isIdentical false after a round trip for \(source)")
    fuzzCheck(reparsed.description == text, "description is not canonical: \(text.debugDescription) -> \(reparsed.description.debugDescription)")

    // Wire form → Name(wire:) is the identity too.
    do {
        let fromWire = try Name(wire: wire)
        fuzzCheck(fromWire.wireBytes == wire, "Name(wire:) of a valid name changed it for \(source)")
    } catch {
        fuzzFailure("Name(wire:) rejects the wire form of a valid name (\(error)) for \(source)")
    }

    // Labels rebuild the name; the label count agrees.
    let labels = name.labels
    fuzzCheck(labels.count == name.labelCount, "labels.count \(labels.count) != labelCount \(name.labelCount) for \(source)")
    do {
        let rebuilt = try Name(labels: labels)
        fuzzCheck(rebuilt.wireBytes == wire, "Name(labels:) differs for \(source)")
    } catch {
        fuzzFailure("Name(labels:) rejects the labels of a valid name (\(error)) for \(source)")
    }

    // Case-insensitive equality and hashing; lowercasing is idempotent.
    let lower = name.lowercased()
    fuzzCheck(lower == name, "name != its lowercased form for \(source)")
    fuzzCheck(lower.hashValue == name.hashValue, "lowercased form hashes differently for \(source)")
    fuzzCheck(lower.lowercased().wireBytes == lower.wireBytes, "lowercased() is not idempotent for \(source)")

    if !name.isRoot {
        let parent = name.parent
        fuzzCheck(name.isSubdomain(of: parent), "name is not a subdomain of its parent for \(source)")
        fuzzCheck(parent.labelCount == name.labelCount - 1, "parent label count for \(source)")
        fuzzCheck(name.isSubdomain(of: .root), "name is not under the root for \(source)")
    }
}
