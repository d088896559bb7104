/// Why the orders service refused a request; the handler maps each code to an RPC status. Messages
/// never carry the request's personal data or secrets (they name the field, not its value).
///
/// ```swift
/// do { _ = try await book.order(id: "ord-404") } catch let error as OrderError where error.code == .orderNotFound {
///     print(error.message)   // no order ord-404
/// }
/// ```
public struct OrderError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of refusal: a struct with static values, so codes can be added.
    public struct Code: Hashable, Sendable {
        private let name: String

        /// A value in the request is invalid: the email, the card number, the quantity, the sku, or an
        /// idempotency key already used for a different order.
        public static let invalidArgument = Code(name: "invalidArgument")
        /// No order has the id asked for.
        public static let orderNotFound = Code(name: "orderNotFound")
        /// The catalog has no product with the sku ordered.
        public static let productNotFound = Code(name: "productNotFound")
        /// The catalog could not price the order (down, slow, or failing); the order was not placed.
        public static let catalogUnavailable = Code(name: "catalogUnavailable")
    }

    /// What kind of refusal.
    public let code: Code
    /// What went wrong, for the caller; carries no personal data.
    public let message: String

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: What kind of refusal.
    ///   - message: What went wrong.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
