import Testing

/// Everything that opens descriptors runs in this one serialized suite, so the
/// descriptor-leak checks see no other test's sockets or files come and go.
@Suite("Sockets", .serialized)
struct SocketTests {}
