/// Structural checks for the RDATA of types the library keeps as octets but
/// whose layout is fixed by their RFC. A record that breaks its layout
/// (an RRSIG shorter than its fixed fields, a LOC that is not 16 octets, an
/// SVCB parameter running past the RDATA …) is rejected with
/// ``DNSDecodeError/invalidRDATA(at:type:)`` rather than carried on as if it
/// were well-formed; every other type is taken as opaque (RFC 3597).
///
/// The checks also expand the one name a sender may legitimately have
/// compressed in these types: the NSEC "next domain" that mDNS compresses
/// (RFC 6762 §18.14).
enum RDataValidation {
    /// Checks `length` octets at the reader's offset for `type`, leaving the
    /// reader after them and returning the octets to keep.
    static func read(type: RecordType, length: Int, from reader: inout WireReader,
                     recordStart: Int) throws(DNSDecodeError) -> [UInt8] {
        let start = reader.offset
        let end = start + length
        let bad = DNSDecodeError.invalidRDATA(at: recordStart, type: type)
        switch type {
        case .nsec:
            // Next domain name (mDNS may compress it), then type bitmaps.
            let next = try reader.readName(allowCompression: true)
            let bitmapStart = reader.offset
            guard checkTypeBitmaps(reader, from: bitmapStart, to: end) else { throw bad }
            reader.offset = end
            if bitmapStart - start != next.wireLength {
                // Compressed: keep the expanded, self-contained form.
                var out = next._wire
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: reader.bytes[bitmapStart..<end]))
                return out
            }
        case .rrsig, .sig:
            // type covered, algorithm, labels, original TTL, expiration,
            // inception, key tag (18 octets), signer's name (uncompressed), signature.
            guard length >= 19 else { throw bad }
            reader.offset = start + 18
            _ = try readUncompressedName(&reader, bad)
        case .nsec3:
            // hash alg, flags, iterations, salt length + salt, hash length + hash, bitmaps.
            guard length >= 5 else { throw bad }
            var p = start + 4
            let saltLength = Int(reader.byte(at: p))
            p += 1 + saltLength
            guard p < end else { throw bad }
            let hashLength = Int(reader.byte(at: p))
            p += 1 + hashLength
            guard hashLength > 0, p <= end, checkTypeBitmaps(reader, from: p, to: end) else { throw bad }
        case .nsec3param:
            guard length >= 5, 5 + Int(reader.byte(at: start + 4)) == length else { throw bad }
        case .ds, .dnskey, .key:
            guard length >= 4 else { throw bad }
        case .sshfp:
            guard length >= 2 else { throw bad }
        case .tlsa:
            guard length >= 3 else { throw bad }
        case .loc:
            // Version 0 is exactly 16 octets (RFC 1876).
            guard length >= 1, reader.byte(at: start) != 0 || length == 16 else { throw bad }
        case .hinfo:
            // Two character-strings.
            guard let p = skipCharacterStrings(reader, count: 2, from: start, to: end), p == end else { throw bad }
        case .caa:
            // flags, tag length (1…), tag, value.
            guard length >= 2, reader.byte(at: start + 1) > 0, 2 + Int(reader.byte(at: start + 1)) <= length else {
                throw bad
            }
        case .naptr:
            // order, preference, flags, services, regexp (character-strings), replacement (uncompressed name).
            guard length >= 4, let p = skipCharacterStrings(reader, count: 3, from: start + 4, to: end) else {
                throw bad
            }
            reader.offset = p
            _ = try readUncompressedName(&reader, bad)
        case .svcb, .https:
            // priority, target (uncompressed), then strictly increasing key/length/value parameters.
            guard length >= 3 else { throw bad }
            reader.offset = start + 2
            _ = try readUncompressedName(&reader, bad)
            guard checkSvcParams(reader, from: reader.offset, to: end) else { throw bad }
        default:
            break
        }
        reader.offset = start
        reader.limit = end
        return try reader.readBytes(length)
    }

    static func readUncompressedName(_ reader: inout WireReader, _ bad: DNSDecodeError) throws(DNSDecodeError) -> Name {
        do {
            return try reader.readName(allowCompression: false)
        } catch {
            throw bad
        }
    }

    /// NSEC/NSEC3 type bitmaps: windows in increasing order, each 1…32 octets.
    static func checkTypeBitmaps(_ reader: WireReader, from start: Int, to end: Int) -> Bool {
        var p = start
        var lastWindow = -1
        while p < end {
            guard p + 2 <= end else { return false }
            let window = Int(reader.byte(at: p))
            let length = Int(reader.byte(at: p + 1))
            guard window > lastWindow, length >= 1, length <= 32, p + 2 + length <= end else { return false }
            lastWindow = window
            p += 2 + length
        }
        return true
    }

    /// Skips `count` character-strings; the offset after them, or nil.
    static func skipCharacterStrings(_ reader: WireReader, count: Int, from start: Int, to end: Int) -> Int? {
        var p = start
        for _ in 0..<count {
            guard p < end else { return nil }
            p += 1 + Int(reader.byte(at: p))
            guard p <= end else { return nil }
        }
        return p
    }

    /// SVCB parameters (RFC 9460 §2.2): keys strictly increasing, values in
    /// bounds, and the fixed-shape keys well-formed.
    static func checkSvcParams(_ reader: WireReader, from start: Int, to end: Int) -> Bool {
        var p = start
        var lastKey = -1
        while p < end {
            guard p + 4 <= end else { return false }
            let key = Int(reader.uint16(at: p))
            let length = Int(reader.uint16(at: p + 2))
            let value = p + 4
            guard key > lastKey, value + length <= end else { return false }
            switch key {
            case 0: guard length > 0, length % 2 == 0 else { return false }  // mandatory
            case 1:  // alpn: one or more non-empty character-strings filling the value
                guard length > 0 else { return false }
                var q = value
                while q < value + length {
                    let n = Int(reader.byte(at: q))
                    guard n > 0 else { return false }
                    q += 1 + n
                }
                guard q == value + length else { return false }
            case 2: guard length == 0 else { return false }  // no-default-alpn
            case 3: guard length == 2 else { return false }  // port
            case 4: guard length > 0, length % 4 == 0 else { return false }  // ipv4hint
            case 6: guard length > 0, length % 16 == 0 else { return false }  // ipv6hint
            default: break
            }
            lastKey = key
            p = value + length
        }
        return true
    }
}
