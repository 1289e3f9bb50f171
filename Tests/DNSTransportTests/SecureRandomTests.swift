import DNSTransport
import Testing

@Suite("SecureRandom")
struct SecureRandomTests {
    @Test func bytesVaryAndSpanSeveralKernelCalls() {
        let first = SecureRandom.bytes(count: 600)  // More than getentropy's 256-byte limit.
        let second = SecureRandom.bytes(count: 600)
        #expect(first.count == 600)
        #expect(first != second)
        #expect(Set(first).count > 100)
        #expect(SecureRandom.bytes(count: 0).isEmpty)
        #expect(SecureRandom.bytes(count: -1).isEmpty)
    }

    @Test func fillOverwritesEveryByte() {
        var bytes = [UInt8](repeating: 0, count: 64)
        SecureRandom.fill(&bytes)
        #expect(bytes != [UInt8](repeating: 0, count: 64))
    }

    @Test func sixteenBitValuesRarelyRepeat() {
        let values = (0..<1000).map { _ in SecureRandom.uint16() }
        // 1000 draws from 65536 values collide about 7 times on average.
        #expect(Set(values).count > 950)
        #expect(SecureRandom.uint32() != SecureRandom.uint32() || SecureRandom.uint64() != SecureRandom.uint64())
    }

    @Test func generatorWorksWithStandardLibraryAPIs() {
        var generator = SecureRandomNumberGenerator()
        let values = (0..<100).map { _ in Int.random(in: 0..<1_000_000, using: &generator) }
        #expect(Set(values).count > 90)
        #expect(Array(0..<10).shuffled(using: &generator).sorted() == Array(0..<10))
    }
}
