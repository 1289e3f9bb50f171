// swift-tools-version: 6.2
//
// Benchmarks for fcrdns, in a package of their own so the library's users
// never build them. Depends on the library by path.

import PackageDescription

/// SwiftPM names a path dependency after its directory, so find what the
/// checkout containing this folder is called (it is "main" here, but a clone
/// may be named otherwise).
let rootIdentity: String = {
    let parts = Context.packageDirectory.split(separator: "/")
    return parts.count >= 2 ? String(parts[parts.count - 2]).lowercased() : "fcrdns"
}()

let package = Package(
    name: "fcrdns-benchmarks",
    dependencies: [
        .package(path: ".."),
    ],
    targets: [
        // Counts heap allocations by interposing malloc & co. in the benchmark
        // executable (glibc's __libc_* entry points do the real work).
        .target(name: "MallocCounter"),
        .executableTarget(
            name: "fcrdns-bench",
            dependencies: [
                "MallocCounter",
                .product(name: "DNSWire", package: rootIdentity),
                .product(name: "DNSCapture", package: rootIdentity),
                .product(name: "FCrDNS", package: rootIdentity),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
