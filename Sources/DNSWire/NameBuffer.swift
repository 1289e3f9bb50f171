/// The octets behind ``Name`` values longer than ``Name/inlineCapacity``:
/// one heap block that one or many names point into.
///
/// A message decode appends every long name it reads to one buffer (made at
/// the first long name, a new block only when one fills up), so a whole
/// response costs at most one allocation for all its names; short names need
/// none. A long name built on its own gets a block of exactly its size.
///
/// Only the code that creates a block writes to it, and only past the octets
/// already handed out; the octets of a ``Name`` never change once the name
/// exists. That is why ``Name`` can be `Sendable` although `ManagedBuffer`
/// is not.
@usableFromInline
final class NameBuffer: ManagedBuffer<Void, UInt8> {
    /// A new block with room for at least `capacity` octets. The block keeps
    /// no count of its own: its writer (a decode, or a name's initializer)
    /// tracks what it has handed out.
    @inlinable
    static func make(capacity: Int) -> NameBuffer {
        unsafeDowncast(NameBuffer.create(minimumCapacity: capacity) { _ in () }, to: NameBuffer.self)
    }

    /// The start of the block's octets.
    @inlinable
    func withBase<Result, Failure: Error>(
        _ body: (UnsafeMutablePointer<UInt8>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try withUnsafeMutablePointerToElements { base in
            Swift.Result { () throws(Failure) -> Result in try body(base) }
        }.get()
    }
}
