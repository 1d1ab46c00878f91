/// Sequence state as someone else saw it for one report's stream: the head and the digests stored
/// at the report's seq, as an agent sends them to its validator (`Message.context`).
public struct GivenSequenceState: SequenceState, Sendable {
    public var head: UInt64?
    public var storedDigests: [[UInt8]]

    public init(head: UInt64?, storedDigests: [[UInt8]]) {
        self.head = head
        self.storedDigests = storedDigests
    }

    public func headSeq(topic: String, don: String) -> UInt64? { head }

    public func storedDigests(topic: String, don: String, seq: UInt64) -> [[UInt8]] { storedDigests }
}
