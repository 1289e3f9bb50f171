// swift-tools-version: 6.2
//
// libFuzzer targets for fcrdns, in a package of their own (like Benchmarks/)
// so the library's users never build them. Depends on the library by path.
//
// Every executable here is a libFuzzer target: it defines
// `LLVMFuzzerTestOneInput` and no `main` (libFuzzer brings its own), so it only
// links when built with the fuzzer runtime:
//
//     swift build -c release --package-path Fuzz --sanitize fuzzer --sanitize address
//
// `scripts/fuzz.sh TARGET SECONDS` does that and runs one target; see README.md.

import PackageDescription

/// SwiftPM names a path dependency after its directory, so find what the
/// checkout containing this folder is called (it is "main" here, but a clone
/// may be named otherwise).
let rootIdentity: String = {
    let parts = Context.packageDirectory.split(separator: "/")
    return parts.count >= 2 ? String(parts[parts.count - 2]).lowercased() : "fcrdns"
}()

/// No `main`: the files are libraries to the compiler, libFuzzer's `main` drives them.
let fuzzSettings: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

func fuzzTarget(_ name: String, _ products: [String]) -> Target {
    .executableTarget(
        name: name,
        dependencies: ["FuzzSupport"] + products.map { .product(name: $0, package: rootIdentity) },
        swiftSettings: fuzzSettings
    )
}

let package = Package(
    name: "fcrdns-fuzz",
    dependencies: [
        .package(path: ".."),
    ],
    targets: [
        // What the targets share: turning libFuzzer's (pointer, count) into bytes, and reporting a broken invariant.
        .target(name: "FuzzSupport"),
        // Message decode → encode → decode must give an equal message (compressed and uncompressed).
        fuzzTarget("fuzz-message", ["DNSWire"]),
        // Presentation-format names: parse → description → parse must give the identical name; wire → text → wire.
        fuzzTarget("fuzz-name", ["DNSWire"]),
        // IPv4/IPv6 text and reverse names, both ways, checked against glibc's inet_pton; server addresses (ADDR:PORT).
        fuzzTarget("fuzz-ip", ["DNSWire", "DNSTransport"]),
        // resolv.conf text plus LOCALDOMAIN / RES_OPTIONS.
        fuzzTarget("fuzz-resolvconf", ["DNSTransport"]),
        // pcap / pcapng / .tcpstream reader; every extracted payload is decoded too.
        fuzzTarget("fuzz-capture", ["DNSCapture", "DNSWire"]),
        // TCP length framing fed in fuzzer-chosen chunks, compared with one-shot decoding and a reference.
        fuzzTarget("fuzz-tcpframe", ["DNSTransport"]),
    ],
    swiftLanguageModes: [.v6]
)
