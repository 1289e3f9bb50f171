import DNSTransport
import FuzzSupport

// resolv.conf parsing (glibc's res_init.c rules), with the environment.
//
// The input is split at its first two NUL bytes: the file's text, then
// LOCALDOMAIN, then RES_OPTIONS (each present only if its NUL is). Checks:
// parsing never traps and is deterministic; at most 3 nameservers, all on
// port 53; numeric options inside their documented ranges; search domains
// are non-empty words without blanks; every warning points at a real line.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzResolvConf(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(fuzzInput(data, size))
    let parts = bytes.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
    let text = String(decoding: parts[0], as: UTF8.self)
    var environment: [String: String] = [:]
    if parts.count > 1 { environment["LOCALDOMAIN"] = String(decoding: parts[1], as: UTF8.self) }
    if parts.count > 2 { environment["RES_OPTIONS"] = String(decoding: parts[2], as: UTF8.self) }

    let conf = ResolvConf(parsing: text, environment: environment)
    let again = ResolvConf(parsing: text, environment: environment)
    fuzzCheck(conf == again, "parsing the same input twice gave different results")

    fuzzCheck(conf.nameservers.count <= ResolvConf.maximumNameservers, "\(conf.nameservers.count) nameservers kept")
    fuzzCheck(conf.hasNameservers == !conf.nameservers.isEmpty, "hasNameservers disagrees with nameservers")
    for server in conf.nameservers {
        fuzzCheck(server.port == 53, "nameserver \(server) not on port 53")
        fuzzCheck(SocketAddress(parsing: server.description) != nil || server.scopeID != 0,
                  "nameserver \(server) has a description that does not parse")
    }
    let options = conf.options
    fuzzCheck(ResolvConf.Options.ndotsRange.contains(options.ndots), "ndots \(options.ndots)")
    fuzzCheck(ResolvConf.Options.timeoutRange.contains(options.timeoutSeconds), "timeout \(options.timeoutSeconds)")
    fuzzCheck(ResolvConf.Options.attemptsRange.contains(options.attempts), "attempts \(options.attempts)")
    for domain in conf.searchDomains {
        fuzzCheck(!domain.isEmpty, "empty search domain")
        fuzzCheck(!domain.utf8.contains(where: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A }),
                  "search domain with a blank: \(domain.debugDescription)")
    }
    if environment["LOCALDOMAIN"] == nil && !text.utf8.contains(where: { $0 == UInt8(ascii: "d") || $0 == UInt8(ascii: "s") }) {
        fuzzCheck(conf.searchDomains.isEmpty, "search domains without a search/domain line or LOCALDOMAIN")
    }

    let lineCount = text.utf8.count(where: { $0 == 0x0A }) + 1
    for warning in conf.warnings {
        switch warning.source {
        case .line(let number):
            fuzzCheck(number >= 1 && number <= lineCount, "warning on line \(number) of \(lineCount)")
        case .environment(let name):
            fuzzCheck(environment[name] != nil, "warning for environment variable \(name) that is not set")
        }
        fuzzCheck(!warning.description.isEmpty, "empty warning description")
    }

    switch Result(catching: { () throws(ResolvConfError) in try conf.validatedNameservers() }) {
    case .success(let servers): fuzzCheck(servers == conf.nameservers, "validatedNameservers changed the list")
    case .failure: fuzzCheck(conf.nameservers.isEmpty, "validatedNameservers threw with nameservers present")
    }
    _ = try? conf.validated()
    return 0
}
