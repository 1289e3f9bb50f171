import DNSTransport
import Testing

/// Runs `body` and returns the ``TransportError`` it threw, or `nil` if it returned.
/// Any other error is recorded as a test issue.
func transportError<Value>(_ body: () async throws -> Value) async -> TransportError? {
    do {
        _ = try await body()
        return nil
    } catch let error as TransportError {
        return error
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}

/// Polls `condition` every 10 ms for up to `seconds`; returns its last value.
func eventually(within seconds: Int = 5, _ condition: () -> Bool) async -> Bool {
    for _ in 0..<(seconds * 100) {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}

/// A deadline `milliseconds` from now.
func deadline(in milliseconds: Int) -> ContinuousClock.Instant {
    .now + .milliseconds(milliseconds)
}
