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
    ],
    dependencies: [],
    targets: [
        // The wire codec: messages, names, RDATA, reverse names. No I/O.
        .target(name: "DNSWire", swiftSettings: strictSettings),
        .testTarget(name: "DNSWireTests", dependencies: ["DNSWire"], swiftSettings: strictSettings),
    ],
    swiftLanguageModes: [.v6]
)
