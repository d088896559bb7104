/// Why the catalog's service refused a request; the handler maps each code to an RPC status.
///
/// ```swift
/// do { _ = try await catalog.product(sku: "SKU-404") } catch let error as CatalogError where error.code == .productNotFound {
///     print(error.message)   // no product SKU-404
/// }
/// ```
public struct CatalogError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of refusal: a struct with static values, so codes can be added.
    public struct Code: Hashable, Sendable {
        private let name: String

        /// No product has the sku asked for.
        public static let productNotFound = Code(name: "productNotFound")
        /// A value in the request is out of range (for example a negative price).
        public static let invalidArgument = Code(name: "invalidArgument")
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
