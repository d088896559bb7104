/// What one reconciliation found (``OrderBook/reconcile(limit:)``, run by `cluster-scheduler`'s job).
///
/// ```swift
/// let result = try await book.reconcile()
/// if result.placed > 0 && !result.brokerReachable { print("\(result.placed) orders wait for the broker") }
/// ```
public struct Reconciliation: Hashable, Sendable {
    /// Orders whose tasks this run handed to the broker.
    public var relayed: Int
    /// Orders still in the outbox after it.
    public var placed: Int
    /// Orders whose tasks the broker has confirmed.
    public var queued: Int
    /// False when the broker could not be reached during this run.
    public var brokerReachable: Bool

    /// Creates a result.
    ///
    /// - Parameters:
    ///   - relayed: Orders relayed by this run.
    ///   - placed: Orders still in the outbox.
    ///   - queued: Orders confirmed by the broker.
    ///   - brokerReachable: Whether the broker could be reached.
    public init(relayed: Int, placed: Int, queued: Int, brokerReachable: Bool) {
        self.relayed = relayed
        self.placed = placed
        self.queued = queued
        self.brokerReachable = brokerReachable
    }
}
