extension Message {
    /// Options for ``encoded(options:)``.
    public struct EncodingOptions: Hashable, Sendable {
        /// Compress names where RFC 3597 §4 allows it (owner names, and names
        /// in NS, CNAME, PTR, MX and SOA data). On by default.
        public var compression: Bool

        /// Creates options; compression on by default.
        public init(compression: Bool = true) {
            self.compression = compression
        }
    }

    /// Encodes the message to its wire form.
    ///
    /// The section counts come from the sections (the OPT record is appended
    /// to the additional section when ``edns`` is set). Names are compressed
    /// against every earlier name and suffix unless `options` turn it off.
    /// The output is not truncated to any size.
    public func encoded(options: EncodingOptions = EncodingOptions()) -> [UInt8] {
        let bound = encodedUpperBound
        let compress = options.compression
        // The table needs two slots per label that may be remembered, and a
        // label takes at least two octets of a compressible name: sized by
        // those names, not by the whole message, so that clearing it costs
        // little (it was a third of the encoder's instructions).
        let slots = compress ? WireWriter.slotCount(forNameOctets: compressibleNameOctets) : 1
        return withUnsafeTemporaryAllocation(of: UInt32.self, capacity: slots + 128) { hashScratch in
            withUnsafeTemporaryAllocation(of: UInt16.self, capacity: slots + 128) { offsetScratch in
                guard let hashBase = hashScratch.baseAddress, let offsetBase = offsetScratch.baseAddress else { return [] }
                // Only the hashes mark empty slots; offsets and the per-name
                // scratch after the table are written before they are read.
                hashBase.initialize(repeating: 0, count: slots)
                return [UInt8](unsafeUninitializedCapacity: bound) { output, initialized in
                    guard let base = output.baseAddress else { return }
                    var writer = WireWriter(base: base, capacity: bound, compress: compress, hashes: hashBase,
                                            offsets: offsetBase, slotMask: slots - 1, labelStarts: offsetBase + slots,
                                            labelHashes: hashBase + slots)
                    write(to: &writer)
                    initialized = writer.count
                }
            }
        }
    }

    /// The octets of every name the encoder may compress: question and
    /// owner names, and the names in NS, CNAME, PTR, MX and SOA data.
    var compressibleNameOctets: Int {
        func data(_ rdata: RData) -> Int {
            switch rdata {
            case .ns(let name), .cname(let name), .ptr(let name): return name.wireLength
            case .mx(let mx): return mx.exchange.wireLength
            case .soa(let soa): return soa.mname.wireLength + soa.rname.wireLength
            case .a, .aaaa, .txt, .srv, .unknown: return 0
            }
        }
        var total = 0
        for question in questions { total += question.name.wireLength }
        for record in answers { total += record.name.wireLength + data(record.data) }
        for record in authorities { total += record.name.wireLength + data(record.data) }
        for record in additionals { total += record.name.wireLength + data(record.data) }
        return total
    }

    /// The most octets the encoded message can take (names uncompressed).
    var encodedUpperBound: Int {
        var total = 12
        for question in questions { total += question.name.wireLength + 4 }
        for record in answers { total += record.name.wireLength + 10 + record.data.encodedUpperBound }
        for record in authorities { total += record.name.wireLength + 10 + record.data.encodedUpperBound }
        for record in additionals { total += record.name.wireLength + 10 + record.data.encodedUpperBound }
        if let edns { total += 11 + edns.options.reduce(0) { $0 + 4 + $1.data.count } }
        return total
    }

    private func write(to writer: inout WireWriter) {
        writer.writeUInt16(header.id)
        writer.writeUInt16(header.flags)
        writer.writeUInt16(UInt16(truncatingIfNeeded: questions.count))
        writer.writeUInt16(UInt16(truncatingIfNeeded: answers.count))
        writer.writeUInt16(UInt16(truncatingIfNeeded: authorities.count))
        writer.writeUInt16(UInt16(truncatingIfNeeded: additionals.count + (edns == nil ? 0 : 1)))
        for question in questions {
            writer.writeName(question.name, compressible: true)
            writer.writeUInt16(question.type.rawValue)
            writer.writeUInt16(question.dnsClass.rawValue)
        }
        for record in answers { Message.write(record, to: &writer) }
        for record in authorities { Message.write(record, to: &writer) }
        for record in additionals { Message.write(record, to: &writer) }
        if let edns {
            writer.writeUInt8(0)
            writer.writeUInt16(RecordType.opt.rawValue)
            writer.writeUInt16(edns.udpPayloadSize)
            writer.writeUInt32(edns.ttlField)
            let lengthAt = writer.count
            writer.writeUInt16(0)
            for option in edns.options {
                writer.writeUInt16(option.code)
                writer.writeUInt16(UInt16(truncatingIfNeeded: option.data.count))
                writer.writeBytes(option.data)
            }
            writer.setUInt16(UInt16(truncatingIfNeeded: writer.count - lengthAt - 2), at: lengthAt)
        }
    }

    static func write(_ record: ResourceRecord, to writer: inout WireWriter) {
        writer.writeName(record.name, compressible: true)
        writer.writeUInt16(record.type.rawValue)
        writer.writeUInt16(record.dnsClass.rawValue)
        writer.writeUInt32(record.ttl)
        let lengthAt = writer.count
        writer.writeUInt16(0)
        switch record.data {
        case .a(let address):
            writer.writeUInt32(address.rawValue)
        case .aaaa(let address):
            writer.writeUInt32(UInt32(truncatingIfNeeded: address.high >> 32))
            writer.writeUInt32(UInt32(truncatingIfNeeded: address.high))
            writer.writeUInt32(UInt32(truncatingIfNeeded: address.low >> 32))
            writer.writeUInt32(UInt32(truncatingIfNeeded: address.low))
        case .ns(let name), .cname(let name), .ptr(let name):
            writer.writeName(name, compressible: true)
        case .mx(let mx):
            writer.writeUInt16(mx.preference)
            writer.writeName(mx.exchange, compressible: true)
        case .soa(let soa):
            writer.writeName(soa.mname, compressible: true)
            writer.writeName(soa.rname, compressible: true)
            writer.writeUInt32(soa.serial)
            writer.writeUInt32(soa.refresh)
            writer.writeUInt32(soa.retry)
            writer.writeUInt32(soa.expire)
            writer.writeUInt32(soa.minimum)
        case .srv(let srv):
            writer.writeUInt16(srv.priority)
            writer.writeUInt16(srv.weight)
            writer.writeUInt16(srv.port)
            // RFC 2782: the SRV target is never compressed.
            writer.writeName(srv.target, compressible: false)
        case .txt(let strings):
            for string in strings {
                writer.writeUInt8(UInt8(truncatingIfNeeded: min(string.count, 255)))
                writer.writeBytes(string.prefix(255))
            }
        case .unknown(let octets):
            writer.writeBytes(octets)
        }
        writer.setUInt16(UInt16(truncatingIfNeeded: writer.count - lengthAt - 2), at: lengthAt)
    }
}

extension RData {
    /// The most octets this data takes on the wire (names uncompressed).
    var encodedUpperBound: Int {
        switch self {
        case .a: return 4
        case .aaaa: return 16
        case .ns(let name), .cname(let name), .ptr(let name): return name.wireLength
        case .mx(let mx): return 2 + mx.exchange.wireLength
        case .soa(let soa): return soa.mname.wireLength + soa.rname.wireLength + 20
        case .srv(let srv): return 6 + srv.target.wireLength
        case .txt(let strings): return strings.reduce(0) { $0 + 1 + min($1.count, 255) }
        case .unknown(let octets): return octets.count
        }
    }
}
