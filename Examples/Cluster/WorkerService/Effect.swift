/// One side effect a worker performs, under the key that makes it happen once (``EffectLedger``). It holds
/// no personal data or secrets: the ledger and its log are safe to read.
///
/// ```swift
/// let capture = Effect(key: "capture-payment/ord-1", kind: "capture-payment", orderID: "ord-1",
///                      taskID: "t-9", amountCents: 2_500)
/// ```
public struct Effect: Hashable, Sendable {
    /// The effect's identity: the same for every delivery of the task that asks for it.
    public var key: String
    /// What kind of effect (`capture-payment`, `send-confirmation`).
    public var kind: String
    /// The order it is for.
    public var orderID: String
    /// The delivered task that asked for it.
    public var taskID: String
    /// The amount moved, in cents (0 when no money moves).
    public var amountCents: Int64

    /// Creates an effect.
    ///
    /// - Parameters:
    ///   - key: The effect's identity.
    ///   - kind: What kind of effect.
    ///   - orderID: The order.
    ///   - taskID: The task.
    ///   - amountCents: The amount moved.
    public init(key: String, kind: String, orderID: String, taskID: String, amountCents: Int64 = 0) {
        self.key = key
        self.kind = kind
        self.orderID = orderID
        self.taskID = taskID
        self.amountCents = amountCents
    }
}
