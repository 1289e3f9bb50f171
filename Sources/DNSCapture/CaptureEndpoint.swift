/// One end of a UDP or TCP conversation: an IP address and a port.
public struct CaptureEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// The IP address.
    public var address: CaptureAddress
    /// The UDP or TCP port.
    public var port: UInt16

    /// Creates an endpoint.
    public init(address: CaptureAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    /// `192.0.2.1:53` for IPv4, `[2001:db8::1]:53` for IPv6.
    public var description: String {
        switch address {
        case .ipv4: return "\(address):\(port)"
        case .ipv6: return "[\(address)]:\(port)"
        }
    }
}
