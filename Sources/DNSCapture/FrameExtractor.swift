/// Walks frames from any container format down to UDP and TCP payloads on DNS ports, and collects the
/// resulting messages and problems in capture order.
struct FrameExtractor {
    /// Identifies one direction of one TCP connection.
    struct FlowKey: Hashable {
        var source: CaptureEndpoint
        var destination: CaptureEndpoint
    }

    /// Identifies the fragments of one IP datagram.
    struct FragmentKey: Hashable {
        var source: CaptureAddress
        var destination: CaptureAddress
        var identification: UInt32
        var protocolNumber: UInt8
    }

    /// IP-in-IP encapsulation nested deeper than this is not followed.
    static let maximumTunnelDepth = 4

    let options: CaptureOptions
    private(set) var messages: [CapturedMessage] = []
    private(set) var problems: [CaptureProblem] = []
    private(set) var frameCount = 0
    private var flows: [FlowKey: TCPStream] = [:]
    /// Interfaces whose unsupported link type has already been reported.
    private var reportedInterfaces: Set<Int> = []
    /// Datagrams whose first fragment was on a DNS port, so later fragments are reported too.
    private var dnsFragments: Set<FragmentKey> = []
    /// Set once a TCP gap was skipped, which can add messages and problems out of frame order.
    private var skippedGaps = false

    init(options: CaptureOptions) {
        self.options = options
    }

    /// Records a problem that is not tied to a decoded frame (a pcapng block that could not be used).
    mutating func report(_ kind: CaptureProblem.Kind, frame: Int?, offset: Int) {
        problems.append(CaptureProblem(kind: kind, frame: frame, offset: offset))
    }

    /// Counts a frame that was skipped before decoding (a malformed block), to keep frame numbers aligned.
    mutating func countSkippedFrame() {
        frameCount += 1
    }

    /// Decodes one frame and records any message or problem it yields.
    mutating func process(_ frame: Frame, in bytes: [UInt8]) {
        frameCount += 1
        switch LinkLayer.decode(linkType: frame.linkType, bytes: bytes, range: frame.range) {
        case .network(let range, let version):
            processIP(bytes, range, version: version, frame: frame, depth: 0)
        case .notIP:
            break
        case .truncated:
            report(.truncatedLinkHeader, frame: frame.number, offset: frame.offset)
        case .unsupported:
            if reportedInterfaces.insert(frame.interface).inserted {
                report(.unsupportedLinkType(frame.linkType), frame: frame.number, offset: frame.offset)
            }
        }
    }

    /// Skips the gaps left in every TCP stream, reports what could not be completed, and hands back the
    /// messages and problems in capture order.
    mutating func finish() -> (messages: [CapturedMessage], problems: [CaptureProblem]) {
        // Dictionary order is random: visit the streams still holding data in the order of their last data
        // segment (one frame belongs to one stream), so that results are reproducible.
        let unfinished = flows.filter { !$0.value.buffer.isEmpty || !$0.value.pending.isEmpty }
            .sorted { $0.value.lastOrigin.offset < $1.value.lastOrigin.offset }
        flows = [:]
        for (key, stream) in unfinished {
            var stream = stream
            close(&stream, key)
        }
        // End-of-stream problems, and the messages found after a skipped gap, belong to earlier frames:
        // restore file order, keeping the order of arrival among entries of the same frame.
        problems = problems.enumerated()
            .sorted { ($0.element.offset, $0.offset) < ($1.element.offset, $1.offset) }
            .map(\.element)
        if skippedGaps {
            messages = messages.enumerated()
                .sorted { ($0.element.offset, $0.offset) < ($1.element.offset, $1.offset) }
                .map(\.element)
        }
        return (messages, problems)
    }

    /// Ends a stream: skips any remaining gaps, then reports an incomplete final message.
    private mutating func close(_ stream: inout TCPStream, _ key: FlowKey) {
        while let skipped = stream.skipGap() {
            recordSkippedGap(skipped.gap, key)
            record(skipped.messages, key)
        }
        if !stream.buffer.isEmpty {
            problems.append(
                CaptureProblem(
                    kind: .tcpIncompleteMessage(bytes: stream.buffer.count), frame: stream.lastOrigin.frame,
                    offset: stream.lastOrigin.offset, source: key.source, destination: key.destination))
        }
    }

    private mutating func recordSkippedGap(_ gap: TCPStream.SkippedGap, _ key: FlowKey) {
        skippedGaps = true
        let at = gap.resumedAt
        if gap.discardedBytes > 0 {
            problems.append(
                CaptureProblem(
                    kind: .tcpIncompleteMessage(bytes: gap.discardedBytes), frame: at.frame, offset: at.offset,
                    source: key.source, destination: key.destination))
        }
        problems.append(
            CaptureProblem(
                kind: .tcpGap(missingBytes: gap.missingBytes), frame: at.frame, offset: at.offset,
                source: key.source, destination: key.destination))
    }

    private mutating func record(_ completed: [TCPStream.Message], _ key: FlowKey) {
        for message in completed {
            messages.append(
                CapturedMessage(
                    bytes: message.bytes, transport: .tcp, source: key.source, destination: key.destination,
                    timestamp: message.origin.timestamp, frame: message.origin.frame, offset: message.origin.offset))
        }
    }

    private func isDNS(_ source: UInt16, _ destination: UInt16) -> Bool {
        options.dnsPorts.contains(source) || options.dnsPorts.contains(destination)
    }

    private mutating func processIP(_ bytes: [UInt8], _ range: Range<Int>, version: UInt8?, frame: Frame, depth: Int) {
        let packet: IPPacket
        switch IPPacket.decode(bytes, range, version: version) {
        case .packet(let decoded):
            packet = decoded
        case .malformed(let kind):
            report(kind, frame: frame.number, offset: frame.offset)
            return
        case .notIP:
            return
        }
        if let identification = packet.fragmentIdentification {
            processFragment(packet, identification, bytes, frame)
            return
        }
        switch packet.protocolNumber {
        case 17:
            processUDP(packet, bytes, frame)
        case 6:
            processTCP(packet, bytes, frame)
        case 4, 41:
            // IPv4-in-IP (RFC 2003) and IPv6-in-IP (RFC 4213 / RFC 2473).
            guard depth < Self.maximumTunnelDepth, !packet.truncated else { return }
            processIP(
                bytes, packet.payload, version: packet.protocolNumber == 4 ? 4 : 6, frame: frame, depth: depth + 1)
        default:
            break
        }
    }

    /// Reports a fragment of a UDP or TCP datagram on a DNS port. The ports are only in the first fragment,
    /// so a later fragment is reported when its datagram's first fragment was (and it arrived earlier).
    private mutating func processFragment(
        _ packet: IPPacket, _ identification: UInt32, _ bytes: [UInt8], _ frame: Frame
    ) {
        guard packet.protocolNumber == 17 || packet.protocolNumber == 6 else { return }
        let key = FragmentKey(
            source: packet.source, destination: packet.destination, identification: identification,
            protocolNumber: packet.protocolNumber)
        let payload = packet.payload
        if packet.isFirstFragment {
            guard payload.count >= 4 else { return }
            let sourcePort = bytes.uint16(at: payload.lowerBound)
            let destinationPort = bytes.uint16(at: payload.lowerBound + 2)
            guard isDNS(sourcePort, destinationPort) else { return }
            dnsFragments.insert(key)
            problems.append(
                CaptureProblem(
                    kind: .ipFragment(identification: identification), frame: frame.number, offset: frame.offset,
                    source: CaptureEndpoint(address: packet.source, port: sourcePort),
                    destination: CaptureEndpoint(address: packet.destination, port: destinationPort)))
        } else if dnsFragments.contains(key) {
            report(.ipFragment(identification: identification), frame: frame.number, offset: frame.offset)
        }
    }

    /// The endpoints of a UDP or TCP segment (both start with the two
    /// ports), or nil when it is too short for them or on no DNS port.
    private func dnsEndpoints(_ packet: IPPacket, _ bytes: [UInt8]) -> (CaptureEndpoint, CaptureEndpoint)? {
        let payload = packet.payload
        guard payload.count >= 4 else { return nil }
        let source = CaptureEndpoint(address: packet.source, port: bytes.uint16(at: payload.lowerBound))
        let destination = CaptureEndpoint(address: packet.destination, port: bytes.uint16(at: payload.lowerBound + 2))
        guard isDNS(source.port, destination.port) else { return nil }
        return (source, destination)
    }

    /// Records a problem of one segment.
    private mutating func report(_ kind: CaptureProblem.Kind, _ frame: Frame, _ source: CaptureEndpoint,
                                 _ destination: CaptureEndpoint) {
        problems.append(
            CaptureProblem(kind: kind, frame: frame.number, offset: frame.offset, source: source, destination: destination))
    }

    private mutating func processUDP(_ packet: IPPacket, _ bytes: [UInt8], _ frame: Frame) {
        let payload = packet.payload
        guard let (source, destination) = dnsEndpoints(packet, bytes) else { return }
        func problem(_ kind: CaptureProblem.Kind) { report(kind, frame, source, destination) }
        guard payload.count >= 8 else {
            problem(packet.truncated ? .truncatedPacket : .malformedUDP)
            return
        }
        let length = Int(bytes.uint16(at: payload.lowerBound + 4))
        guard length >= 8 else {
            problem(.malformedUDP)
            return
        }
        guard length <= payload.count else {
            problem(packet.truncated ? .truncatedPacket : .malformedUDP)
            return
        }
        guard length > 8 else { return }  // an empty datagram holds no DNS message
        messages.append(
            CapturedMessage(
                bytes: Array(bytes[(payload.lowerBound + 8)..<(payload.lowerBound + length)]),
                transport: .udp, source: source, destination: destination, timestamp: frame.timestamp,
                frame: frame.number, offset: frame.offset))
    }

    private mutating func processTCP(_ packet: IPPacket, _ bytes: [UInt8], _ frame: Frame) {
        let payload = packet.payload
        guard let (source, destination) = dnsEndpoints(packet, bytes) else { return }
        func problem(_ kind: CaptureProblem.Kind) { report(kind, frame, source, destination) }
        guard payload.count >= 20 else {
            problem(packet.truncated ? .truncatedPacket : .malformedTCP)
            return
        }
        let headerLength = Int(bytes[payload.lowerBound + 12] >> 4) * 4
        guard headerLength >= 20, headerLength <= payload.count else {
            problem(packet.truncated && headerLength >= 20 ? .truncatedPacket : .malformedTCP)
            return
        }
        if packet.truncated {
            problem(.truncatedPacket)
            return
        }
        let sequence = bytes.uint32(at: payload.lowerBound + 4)
        let flags = bytes[payload.lowerBound + 13]
        let syn = flags & 0x02 != 0
        let reset = flags & 0x04 != 0
        if reset { return }
        let key = FlowKey(source: source, destination: destination)
        if syn, var existing = flows[key], existing.isNewConnection(synSequence: sequence) {
            flows[key] = nil
            close(&existing, key)
        }
        let origin = TCPStream.Origin(frame: frame.number, offset: frame.offset, timestamp: frame.timestamp)
        let completed = flows[key, default: TCPStream()].receive(
            sequence: sequence, syn: syn, bytes: bytes,
            payload: (payload.lowerBound + headerLength)..<payload.upperBound, origin: origin)
        record(completed, key)
        let limit = options.maxStreamBufferBytes
        if flows[key]?.holdsMore(than: limit) == true {
            problem(.tcpBufferLimitExceeded(limit: limit))
            while flows[key]?.holdsMore(than: limit) == true, let skipped = flows[key]?.skipGap() {
                recordSkippedGap(skipped.gap, key)
                record(skipped.messages, key)
            }
        }
    }
}
