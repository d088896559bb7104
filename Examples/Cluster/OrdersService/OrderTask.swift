/// A task an order leaves behind for the workers, on the durable queue. Each has an idempotency key made
/// from its order's id, the same however often it is enqueued: the broker keeps one task per key, and the
/// workers' ledgers one effect per order. Its `description` leaves out the token and the email.
///
/// ```swift
/// for task in order.tasks {
///     print(task.idempotencyKey)   // ord-1/capture-payment, ord-1/send-confirmation
/// }
/// ```
public enum OrderTask: Hashable, Sendable, CustomStringConvertible {
    /// Capture the order's amount on the card behind the token.
    case capturePayment(orderID: String, amountCents: Int64, cardToken: String)
    /// Tell the customer the order was placed.
    case sendConfirmation(orderID: String, customerEmail: String)

    /// The order the task belongs to.
    public var orderID: String {
        switch self {
        case .capturePayment(let orderID, _, _), .sendConfirmation(let orderID, _): orderID
        }
    }

    /// The task's key at the broker: `<order id>/capture-payment` or `<order id>/send-confirmation`.
    public var idempotencyKey: String {
        switch self {
        case .capturePayment: "\(orderID)/capture-payment"
        case .sendConfirmation: "\(orderID)/send-confirmation"
        }
    }

    /// The task's key, without the token or the email.
    public var description: String { idempotencyKey }
}
