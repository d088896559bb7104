/// What a customer asks for when placing an order. It carries personal data and a secret (the email
/// and the card number), so its `description` leaves both out.
///
/// ```swift
/// let request = OrderRequest(customerEmail: "ada@example.com", cardNumber: "4242 4242 4242 4242",
///                            sku: "SKU-1001", quantity: 2)
/// let order = try await book.place(request, idempotencyKey: "checkout-77")
/// ```
public struct OrderRequest: Hashable, Sendable, CustomStringConvertible {
    /// Where the confirmation goes.
    public var customerEmail: String
    /// The card to charge, digits with optional spaces or dashes; checked, tokenised and forgotten.
    public var cardNumber: String
    /// The product.
    public var sku: String
    /// How many.
    public var quantity: Int

    /// Creates a request.
    ///
    /// - Parameters:
    ///   - customerEmail: Where the confirmation goes.
    ///   - cardNumber: The card to charge.
    ///   - sku: The product.
    ///   - quantity: How many.
    public init(customerEmail: String, cardNumber: String, sku: String, quantity: Int) {
        self.customerEmail = customerEmail
        self.cardNumber = cardNumber
        self.sku = sku
        self.quantity = quantity
    }

    /// The request without its email and card number.
    public var description: String { "order request: \(quantity) × \(sku)" }
}
