/// One captured packet, as a range of the input buffer plus its record metadata.
struct Frame {
    /// The link-layer type (LINKTYPE_* value) of the interface that captured it.
    var linkType: UInt16
    /// A number that identifies the capturing interface across the whole file (sections included),
    /// used to report an unsupported link type once per interface.
    var interface: Int
    /// The captured bytes within the input.
    var range: Range<Int>
    /// The 1-based frame number.
    var number: Int
    /// The offset of the record or block that holds the frame.
    var offset: Int
    /// The capture time, if the format records one.
    var timestamp: CaptureTimestamp?
}
