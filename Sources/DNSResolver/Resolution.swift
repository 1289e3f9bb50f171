import DNSTransport
import DNSWire

/// The state of one question's tries: which server is next, in which round,
/// with or without EDNS, every try so far, and the outcome once there is one.
///
/// Owned by the task that resolves the question and never shared, so its
/// properties need no lock. A class, so that the async functions of a try
/// hold one reference to it instead of copies of its fields.
final class Resolution {
    let question: Question
    /// The end of the whole resolution.
    let deadline: Deadline
    /// The servers in the order to ask them.
    let servers: [SocketAddress]
    /// How many times the server list is gone through.
    let rounds: Int
    /// The index (over all rounds) of the next server to ask.
    var next = 0
    /// The EDNS payload size to offer; nil once a server refused EDNS.
    var ednsSize: UInt16?
    /// The current server was already asked again without EDNS.
    var triedWithoutEDNS = false
    /// Ask the current server again (without EDNS) before moving on.
    var repeatsTry = false
    /// The server of the try in progress.
    var server: SocketAddress
    /// The end of the try in progress.
    var tryDeadline: Deadline
    /// Every try so far, in order.
    var attempts: [ServerAttempt] = []
    /// The validated response of the last try, if it gave one.
    var response: Message?
    /// The final answer or error.
    var outcome: Result<DNSAnswer, ResolverError>?

    /// Without servers, the outcome is ``ResolverError/noServers`` at once.
    @inline(never)
    init(question: Question, deadline: Deadline, servers: [SocketAddress], rounds: Int, ednsSize: UInt16?) {
        self.question = question
        self.deadline = deadline
        self.servers = servers
        self.rounds = rounds
        self.ednsSize = ednsSize
        // Never read without servers: there is no try then.
        self.server = servers.first ?? SocketAddress(ipv4: 0, 0, 0, 0, port: 0)
        self.tryDeadline = deadline
        if servers.isEmpty { outcome = .failure(.noServers) }
    }
}
