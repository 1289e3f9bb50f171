extension Message {
    /// Options that relax the decoder.
    public struct DecodingOptions: Hashable, Sendable {
        /// Accept bytes after the last record instead of throwing
        /// ``DNSDecodeError/trailingBytes(at:)``. Off by default.
        public var allowTrailingBytes: Bool

        /// Creates options; strict by default.
        public init(allowTrailingBytes: Bool = false) {
            self.allowTrailingBytes = allowTrailingBytes
        }
    }

    /// Decodes a message from its wire form.
    ///
    /// - Throws: ``DNSDecodeError`` with the byte offset of the problem.
    @inlinable
    public init(decoding bytes: [UInt8], options: DecodingOptions = DecodingOptions()) throws(DNSDecodeError) {
        self = try Message._decoded(bytes[...], options: options)
    }

    /// Decodes a message from a slice of a larger buffer; offsets in errors
    /// count from the slice's first byte.
    @inlinable
    public init(decoding bytes: ArraySlice<UInt8>, options: DecodingOptions = DecodingOptions()) throws(DNSDecodeError) {
        self = try Message._decoded(bytes, options: options)
    }

    /// Decodes a message from raw memory that stays valid for the call.
    public init(decoding bytes: UnsafeRawBufferPointer, options: DecodingOptions = DecodingOptions()) throws(DNSDecodeError) {
        self = try Message._decoded(bytes, options: options)
    }

    /// The body of the initializers for arrays and slices.
    @usableFromInline
    static func _decoded(_ bytes: ArraySlice<UInt8>, options: DecodingOptions) throws(DNSDecodeError) -> Message {
        try bytes.span.withUnsafeBytes { (raw) throws(DNSDecodeError) -> Message in
            try _decoded(raw, options: options)
        }
    }

    /// The body of the initializers: the sections are read into local
    /// arrays and the message is made from them once, at the end (filling
    /// an empty message instead would release its four empty arrays as
    /// they are replaced). Names are assembled in stack space before they
    /// are stored.
    @usableFromInline
    static func _decoded(_ bytes: UnsafeRawBufferPointer, options: DecodingOptions) throws(DNSDecodeError) -> Message {
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: WireReader.nameRoom) {
            (scratch) throws(DNSDecodeError) -> Message in
            var questions: [Question] = []
            var answers: [ResourceRecord] = []
            var authorities: [ResourceRecord] = []
            var additionals: [ResourceRecord] = []
            let (header, edns) = try Message.decode(bytes, scratch: scratch.baseAddress.unsafelyUnwrapped,
                                                    options: options, questions: &questions, answers: &answers,
                                                    authorities: &authorities, additionals: &additionals)
            return Message(header: header, questions: questions, answers: answers, authorities: authorities,
                           additionals: additionals, edns: edns)
        }
    }

    /// Decodes `bytes` into this message, replacing everything it held, and
    /// reuses the storage of its question, answer, authority and additional
    /// arrays where this message is their only owner.
    ///
    /// The result is the same message ``init(decoding:options:)`` gives; the
    /// difference is the cost. A loop that decodes many messages into one
    /// variable (a capture reader, a resolver's receive path) allocates
    /// nothing per message once the arrays have grown to fit, unless a
    /// message has names longer than ``Name/inlineCapacity`` (one block for
    /// all of them). This is what libknot's packet arena buys, without the
    /// arena's lifetime rules: a record or name taken out of the message
    /// stays valid (the array it was in is then shared and not reused).
    ///
    /// - Throws: ``DNSDecodeError`` with the byte offset of the problem; the
    ///   message is then empty (header zero, no records, no EDNS).
    public mutating func decode(_ bytes: [UInt8], options: DecodingOptions = DecodingOptions()) throws(DNSDecodeError) {
        try bytes.span.withUnsafeBytes { (raw) throws(DNSDecodeError) in
            try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: WireReader.nameRoom) {
                (scratch) throws(DNSDecodeError) in
                try Message.decode(raw, scratch: scratch.baseAddress.unsafelyUnwrapped, options: options, into: &self)
            }
        }
    }

    /// Decodes into `message`, reusing the storage of its arrays where it
    /// owns them alone; it is left empty when this throws.
    static func decode(_ bytes: UnsafeRawBufferPointer, scratch: UnsafeMutablePointer<UInt8>,
                       options: DecodingOptions, into message: inout Message) throws(DNSDecodeError) {
        // Take the arrays out (a swap keeps them uniquely referenced) and
        // empty them keeping their capacity; on a throw they are dropped.
        var questions: [Question] = []
        var answers: [ResourceRecord] = []
        var authorities: [ResourceRecord] = []
        var additionals: [ResourceRecord] = []
        swap(&questions, &message.questions)
        swap(&answers, &message.answers)
        swap(&authorities, &message.authorities)
        swap(&additionals, &message.additionals)
        message.header = Header(id: 0, flags: 0)
        message.edns = nil
        questions.removeAll(keepingCapacity: true)
        answers.removeAll(keepingCapacity: true)
        authorities.removeAll(keepingCapacity: true)
        additionals.removeAll(keepingCapacity: true)
        let (header, edns) = try decode(bytes, scratch: scratch, options: options, questions: &questions,
                                        answers: &answers, authorities: &authorities, additionals: &additionals)
        message.header = header
        message.questions = questions
        message.answers = answers
        message.authorities = authorities
        message.additionals = additionals
        message.edns = edns
    }

    /// Reads a message's sections into the four arrays (empty, perhaps with
    /// capacity) with `scratch` (``WireReader/nameRoom`` octets) for names,
    /// and returns its header and EDNS information.
    static func decode(_ bytes: UnsafeRawBufferPointer, scratch: UnsafeMutablePointer<UInt8>,
                       options: DecodingOptions, questions: inout [Question], answers: inout [ResourceRecord],
                       authorities: inout [ResourceRecord],
                       additionals: inout [ResourceRecord]) throws(DNSDecodeError) -> (Header, EDNS?) {
        var reader = WireReader(bytes, scratch: scratch)
        try reader.require(12)
        let header = Header(id: reader.uint16(at: 0), flags: reader.uint16(at: 2))
        let qdcount = Int(reader.uint16(at: 4))
        let ancount = Int(reader.uint16(at: 6))
        let nscount = Int(reader.uint16(at: 8))
        let arcount = Int(reader.uint16(at: 10))
        reader.offset = 12

        // Never trust the counts: check them against the bytes left (a
        // question takes at least 5 octets, a record 11) before reserving.
        let minimum = qdcount * 5 + (ancount + nscount + arcount) * 11
        if minimum > reader.remaining {
            let section: DNSDecodeError.Section
            let count: Int
            let at: Int
            if qdcount * 5 > reader.remaining {
                (section, count, at) = (.question, qdcount, 4)
            } else if qdcount * 5 + ancount * 11 > reader.remaining {
                (section, count, at) = (.answer, ancount, 6)
            } else if qdcount * 5 + (ancount + nscount) * 11 > reader.remaining {
                (section, count, at) = (.authority, nscount, 8)
            } else {
                (section, count, at) = (.additional, arcount, 10)
            }
            throw .countExceedsMessage(section: section, count: count, at: at)
        }

        try Message.fill(&questions, count: qdcount) { () throws(DNSDecodeError) -> Question in
            let name = try reader.readName()
            try reader.require(4)
            let type = RecordType(reader.uint16(at: reader.offset))
            let dnsClass = DNSClass(reader.uint16(at: reader.offset + 2))
            reader.offset += 4
            return Question(name: name, type: type, dnsClass: dnsClass)
        }
        try Message.fill(&answers, count: ancount) { () throws(DNSDecodeError) -> ResourceRecord in
            try Message.readRecord(from: &reader)
        }
        try Message.fill(&authorities, count: nscount) { () throws(DNSDecodeError) -> ResourceRecord in
            try Message.readRecord(from: &reader)
        }

        var edns: EDNS? = nil
        for _ in 0..<arcount {
            let start = reader.offset
            let name = try reader.readName()
            try reader.require(10)
            let type = RecordType(reader.uint16(at: reader.offset))
            if type == .opt {
                guard edns == nil else { throw .duplicateOPT(at: start) }
                guard name.isRoot else { throw .invalidOPTOwner(at: start) }
                edns = try Message.readOPT(from: &reader, recordStart: start)
            } else {
                // Reserved only now: the usual additional record is the OPT,
                // which does not go into this array.
                if additionals.isEmpty { additionals.reserveCapacity(arcount) }
                additionals.append(try Message.readRecord(name: name, from: &reader, recordStart: start))
            }
        }
        if !options.allowTrailingBytes, reader.remaining > 0 {
            throw .trailingBytes(at: reader.offset)
        }
        return (header, edns)
    }

    /// Reads `count` elements into `array` (empty, perhaps with capacity
    /// from a reused message).
    ///
    /// (`Array(unsafeUninitializedCapacity:)` would skip the per-element
    /// capacity checks, but it allocates through an unspecialized path of
    /// the standard library that looks the array's type up at run time:
    /// about 830 instructions more per message.)
    @inline(__always)
    static func fill<Element>(_ array: inout [Element], count: Int,
                              _ read: () throws(DNSDecodeError) -> Element) throws(DNSDecodeError) {
        if count == 0 { return }
        array.reserveCapacity(count)
        for _ in 0..<count { array.append(try read()) }
    }

    /// Reads a whole resource record: owner name, fixed fields and RDATA.
    @inline(__always)
    static func readRecord(from reader: inout WireReader) throws(DNSDecodeError) -> ResourceRecord {
        let start = reader.offset
        let name = try reader.readName()
        return try readRecord(name: name, from: &reader, recordStart: start)
    }

    /// Reads TYPE, CLASS, TTL, RDLENGTH and the RDATA after an owner name.
    static func readRecord(name: Name, from reader: inout WireReader, recordStart: Int) throws(DNSDecodeError) -> ResourceRecord {
        try reader.require(10)
        let base = reader.offset
        let type = RecordType(reader.uint16(at: base))
        let dnsClass = DNSClass(reader.uint16(at: base + 2))
        let ttl = reader.uint32(at: base + 4)
        let rdlength = Int(reader.uint16(at: base + 8))
        reader.offset = base + 10
        let data = try readRData(type: type, dnsClass: dnsClass, length: rdlength, from: &reader, recordStart: recordStart)
        return ResourceRecord(name: name, type: type, dnsClass: dnsClass, ttl: ttl, data: data)
    }

    /// Reads `length` octets of RDATA of `type`, requiring the type's parser
    /// to consume exactly that many.
    static func readRData(type: RecordType, dnsClass: DNSClass, length: Int, from reader: inout WireReader,
                          recordStart: Int) throws(DNSDecodeError) -> RData {
        let rdataStart = reader.offset
        try reader.require(length)
        let end = rdataStart + length
        let outerLimit = reader.limit
        reader.limit = end
        defer { reader.limit = outerLimit }

        func finish(_ data: RData, _ reader: inout WireReader) throws(DNSDecodeError) -> RData {
            guard reader.offset == end else {
                throw .rdataLengthMismatch(at: recordStart, declared: length, consumed: reader.offset - rdataStart)
            }
            return data
        }
        func mismatch(_ consumedAtLeast: Int) -> DNSDecodeError {
            .rdataLengthMismatch(at: recordStart, declared: length, consumed: consumedAtLeast)
        }

        // RFC 2136 §2.4/§2.5: UPDATE prerequisites and deletions carry class
        // ANY or NONE with empty RDATA for any type.
        if length == 0, dnsClass == .any || dnsClass == .none {
            return .unknown([])
        }
        do throws(DNSDecodeError) {
            switch type {
            case .a:
                guard length == 4 else { throw mismatch(min(length, 4)) }
                reader.offset = end
                return .a(IPv4Address(rawValue: reader.uint32(at: rdataStart)))
            case .aaaa:
                guard length == 16 else { throw mismatch(min(length, 16)) }
                reader.offset = end
                let high = UInt64(reader.uint32(at: rdataStart)) << 32 | UInt64(reader.uint32(at: rdataStart + 4))
                let low = UInt64(reader.uint32(at: rdataStart + 8)) << 32 | UInt64(reader.uint32(at: rdataStart + 12))
                return .aaaa(IPv6Address(high: high, low: low))
            case .ns, .cname, .ptr:
                let target = try readRDataName(&reader, recordStart: recordStart, length: length, compressible: true)
                let data: RData = type == .ns ? .ns(target) : type == .cname ? .cname(target) : .ptr(target)
                return try finish(data, &reader)
            case .mx:
                guard length >= 2 else { throw mismatch(length) }
                let preference = try reader.readUInt16()
                let exchange = try readRDataName(&reader, recordStart: recordStart, length: length, compressible: true)
                return try finish(.mx(MXData(preference: preference, exchange: exchange)), &reader)
            case .soa:
                let mname = try readRDataName(&reader, recordStart: recordStart, length: length, compressible: true)
                let rname = try readRDataName(&reader, recordStart: recordStart, length: length, compressible: true)
                guard reader.remaining >= 20 else { throw mismatch(reader.offset - rdataStart + 20) }
                let o = reader.offset
                reader.offset += 20
                let soa = SOAData(mname: mname, rname: rname, serial: reader.uint32(at: o), refresh: reader.uint32(at: o + 4),
                                  retry: reader.uint32(at: o + 8), expire: reader.uint32(at: o + 12),
                                  minimum: reader.uint32(at: o + 16))
                return try finish(.soa(soa), &reader)
            case .srv:
                guard length >= 6 else { throw mismatch(length) }
                let o = reader.offset
                reader.offset += 6
                // RFC 3597 §4: receivers SHOULD decompress SRV (RFC 2052 mandated it).
                let target = try readRDataName(&reader, recordStart: recordStart, length: length, compressible: true)
                return try finish(.srv(SRVData(priority: reader.uint16(at: o), weight: reader.uint16(at: o + 2),
                                               port: reader.uint16(at: o + 4), target: target)), &reader)
            case .txt:
                var strings: [[UInt8]] = []
                while reader.offset < end {
                    let count = Int(try reader.readUInt8())
                    guard count <= reader.remaining else { throw mismatch(reader.offset - rdataStart + count) }
                    strings.append(try reader.readBytes(count))
                }
                return .txt(strings)
            default:
                if let layout = CompressibleLayout.forType(type) {
                    return .unknown(try layout.expand(&reader, end: end, recordStart: recordStart, length: length))
                }
                return .unknown(try RDataValidation.read(type: type, length: length, from: &reader, recordStart: recordStart))
            }
        } catch {
            // All `length` octets are present (checked above), so running out
            // inside them means RDLENGTH is too short for what the type needs.
            if case .truncated(let at) = error {
                throw .rdataLengthMismatch(at: recordStart, declared: length, consumed: at - rdataStart + 1)
            }
            throw error
        }
    }

    /// Reads a name inside RDATA (bounded by the RDATA end, which the
    /// caller has set as the reader's limit).
    static func readRDataName(_ reader: inout WireReader, recordStart: Int, length: Int,
                              compressible: Bool) throws(DNSDecodeError) -> Name {
        try reader.readName(allowCompression: compressible)
    }

    /// Reads the OPT pseudo-record after its (root) owner name.
    static func readOPT(from reader: inout WireReader, recordStart: Int) throws(DNSDecodeError) -> EDNS {
        try reader.require(10)
        let base = reader.offset
        let payload = reader.uint16(at: base + 2)
        let ttl = reader.uint32(at: base + 4)
        let rdlength = Int(reader.uint16(at: base + 8))
        reader.offset = base + 10
        try reader.require(rdlength)
        let end = reader.offset + rdlength
        var options: [EDNSOption] = []
        options.reserveCapacity(rdlength / 4)
        while reader.offset < end {
            guard end - reader.offset >= 4 else { throw .invalidRDATA(at: reader.offset, type: .opt) }
            let code = reader.uint16(at: reader.offset)
            let length = Int(reader.uint16(at: reader.offset + 2))
            reader.offset += 4
            guard length <= end - reader.offset else { throw .invalidRDATA(at: reader.offset - 4, type: .opt) }
            options.append(EDNSOption(code: code, data: try reader.readBytes(length)))
        }
        return EDNS(udpPayloadSize: payload, extendedRCode: UInt8(truncatingIfNeeded: ttl >> 24),
                    version: UInt8(truncatingIfNeeded: ttl >> 16), dnssecOK: ttl & 0x8000 != 0,
                    z: UInt16(truncatingIfNeeded: ttl) & 0x7FFF, options: options)
    }
}

/// The field layout of older types whose embedded names a sender may have
/// compressed (RFC 3597 §4), so the decoder can expand them into
/// self-contained RDATA octets.
struct CompressibleLayout {
    enum Field {
        case name
        case uint16
    }
    let fields: [Field]

    static func forType(_ type: RecordType) -> CompressibleLayout? {
        switch type.rawValue {
        case 3, 4, 7, 8, 9: return CompressibleLayout(fields: [.name])  // MD, MF, MB, MG, MR
        case 14, 17: return CompressibleLayout(fields: [.name, .name])  // MINFO, RP
        case 18, 21, 36: return CompressibleLayout(fields: [.uint16, .name])  // AFSDB, RT, KX
        case 26: return CompressibleLayout(fields: [.uint16, .name, .name])  // PX
        default: return nil
        }
    }

    func expand(_ reader: inout WireReader, end: Int, recordStart: Int, length: Int) throws(DNSDecodeError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(length)
        for field in fields {
            switch field {
            case .name:
                let name = try Message.readRDataName(&reader, recordStart: recordStart, length: length, compressible: true)
                out.append(contentsOf: name._wire)
            case .uint16:
                let value = try reader.readUInt16()
                out.append(UInt8(value >> 8))
                out.append(UInt8(truncatingIfNeeded: value))
            }
        }
        guard reader.offset == end else {
            throw .rdataLengthMismatch(at: recordStart, declared: length, consumed: reader.offset - (end - length))
        }
        return out
    }
}
