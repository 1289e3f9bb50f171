// swift-tools-version: 6.2
//
// fcrdns — a pure-Swift DNS wire codec, stub resolver and forward-confirmed
// reverse DNS (RFC 8601 "iprev") evaluator. No package dependencies.

import PackageDescription

/// Settings every target shares (swift-asn1's "standard cross-repo settings").
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
]

let package = Package(
    name: "fcrdns",
    products: [
        .library(name: "DNSWire", targets: ["DNSWire"]),
        .library(name: "DNSCapture", targets: ["DNSCapture"]),
        .library(name: "DNSTransport", targets: ["DNSTransport"]),
        .library(name: "DNSResolver", targets: ["DNSResolver"]),
        .library(name: "FCrDNS", targets: ["FCrDNS"]),
        .executable(name: "fcrdns", targets: ["FCrDNSCLI"]),
    ],
    dependencies: [],
    targets: [
        // The wire codec: messages, names, RDATA, reverse names. No I/O.
        .target(name: "DNSWire", swiftSettings: strictSettings),
        .testTarget(name: "DNSWireTests", dependencies: ["DNSWire"], swiftSettings: strictSettings),

        // Reading DNS messages out of pcap, pcapng and .tcpstream files. No I/O beyond reading a file.
        .target(name: "DNSCapture", swiftSettings: strictSettings),
        .testTarget(name: "DNSCaptureTests", dependencies: ["DNSCapture"], swiftSettings: strictSettings),

        // Glibc UDP/TCP sockets on one epoll event loop, and resolv.conf. Knows nothing of DNS messages.
        .target(name: "DNSTransport", swiftSettings: strictSettings),
        .testTarget(name: "DNSTransportTests", dependencies: ["DNSTransport"], swiftSettings: strictSettings),

        // The stub resolver: validation, retries and fail-over, TC → TCP, cache, coalescing.
        .target(name: "DNSResolver", dependencies: ["DNSWire", "DNSTransport"], swiftSettings: strictSettings),
        .testTarget(name: "DNSResolverTests", dependencies: ["DNSResolver", "DNSWire", "DNSTransport"],
                    swiftSettings: strictSettings),

        // The forward-confirmed reverse DNS evaluator (RFC 8601 iprev verdicts).
        .target(name: "FCrDNS", dependencies: ["DNSWire", "DNSTransport", "DNSResolver"], swiftSettings: strictSettings),
        .testTarget(name: "FCrDNSTests", dependencies: ["FCrDNS", "DNSWire"], swiftSettings: strictSettings),

        // Against the real servers of scripts/dns-servers.sh (NSD + unbound on loopback).
        .testTarget(name: "InteropTests", dependencies: ["DNSWire", "DNSTransport", "DNSResolver", "FCrDNS"],
                    swiftSettings: strictSettings),

        // The `fcrdns` command-line tool.
        .executableTarget(name: "FCrDNSCLI", dependencies: ["DNSWire", "DNSCapture", "DNSTransport", "DNSResolver", "FCrDNS"],
                          swiftSettings: strictSettings),
        .testTarget(name: "FCrDNSCLITests", dependencies: ["DNSWire", "DNSCapture"], swiftSettings: strictSettings),
    ],
    swiftLanguageModes: [.v6]
)
