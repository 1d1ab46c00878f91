/// The `sync` section of the agent config: catch-up from peers and serving them.
public struct SyncOptions: Sendable, Equatable {
    /// Whether this agent catches up from peers and serves their range requests.
    public var enabled = true
    /// Records a second served to one peer (0: no limit); bursts up to `serveBurst`. Sync shares
    /// the connection with gossip, so a joiner may not take all of it.
    public var serveRate = 10_000.0
    public var serveBurst = 2048.0
    /// Range requests served to one peer at the same time; more get `BUSY`.
    public var maxConcurrentServes = 2
    /// How long a response may stay silent before the joiner gives up on that peer.
    public var stallTimeout: Duration = .seconds(5)
    /// Range requests in flight during catch-up (to different peers).
    public var parallelRequests = 4
    /// Peers asked for their Status in a round.
    public var statusPeers = 8
    /// Wait after a gap is seen in live gossip before fetching it: the missing reports are
    /// often just behind in the mesh.
    public var gapFillDelay: Duration = .milliseconds(500)

    public init() {}
}
