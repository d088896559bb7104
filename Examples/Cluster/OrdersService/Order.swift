/// An order as the orders service and its repositories see it: the domain's type, free of the wire's.
/// It carries personal data (the customer's email) and a card token, so its `description` leaves both
/// out: an order interpolated into a log line shows neither.
///
/// ```swift
/// let order = Order(id: "ord-1", status: .placed, sku: "SKU-1001", quantity: 2, totalCents: 2_500,
///                   customerEmail: "ada@example.com", cardToken: "tok_4f2a")
/// print(order)   // order ord-1 (placed): 2 × SKU-1001, 2500 cents
/// ```
public struct Order: Hashable, Sendable, CustomStringConvertible {
    /// Where an order is in its life.
    public enum Status: String, Hashable, Sendable {
        /// Stored; its tasks wait in the outbox (the order's row) for the broker to confirm them.
        case placed
        /// Stored, and the broker has confirmed both its tasks.
        case queued
    }

    /// The order's identity (`ord-` and a UUID).
    public var id: String
    /// Where the order is in its life.
    public var status: Status
    /// The product ordered.
    public var sku: String
    /// How many, at least one.
    public var quantity: Int
    /// The unit price the catalog gave when the order was placed, times ``quantity``.
    public var totalCents: Int64
    /// Personal data: kept for the confirmation, never logged.
    public var customerEmail: String
    /// The token the card number was exchanged for; the card number itself is never kept.
    public var cardToken: String

    /// Creates an order.
    ///
    /// - Parameters:
    ///   - id: The order's identity.
    ///   - status: Where it is in its life.
    ///   - sku: The product.
    ///   - quantity: How many.
    ///   - totalCents: The whole order's price in cents.
    ///   - customerEmail: Where the confirmation goes.
    ///   - cardToken: The token standing for the card.
    public init(
        id: String,
        status: Status,
        sku: String,
        quantity: Int,
        totalCents: Int64,
        customerEmail: String,
        cardToken: String
    ) {
        self.id = id
        self.status = status
        self.sku = sku
        self.quantity = quantity
        self.totalCents = totalCents
        self.customerEmail = customerEmail
        self.cardToken = cardToken
    }

    /// The order without its email and token.
    public var description: String {
        "order \(id) (\(status.rawValue)): \(quantity) × \(sku), \(totalCents) cents"
    }

    /// The work the order leaves behind, each task under a key of its own made from the order's id.
    public var tasks: [OrderTask] {
        [
            .capturePayment(orderID: id, amountCents: totalCents, cardToken: cardToken),
            .sendConfirmation(orderID: id, customerEmail: customerEmail),
        ]
    }
}
