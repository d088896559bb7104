/// Which authenticated clients (CURVE public keys) may call which services and methods of a
/// server; a call it does not permit gets `PERMISSION_DENIED` before any handler or interceptor
/// runs.
///
/// Rules are keyed by `"Service"` (every method of it) or `"Service/Method"` (that method, taking
/// precedence over the service's rule), both with full service names. A method with no rule, in a
/// service with no rule, is open to every client the allow-list let in. A rule needs CURVE: under
/// plain text there is no key, so a method with a rule is refused to everyone.
///
/// ```swift
/// configuration.authorization = ServerAuthorization([
///     "orders.Orders": [billingKey, frontendKey],   // the service: billing and the front end
///     "orders.Orders/Refund": [billingKey],         // refunds: billing only
/// ])
/// ```
public struct ServerAuthorization: Sendable, Hashable {
    /// The rules: keys allowed by `"Service"` or `"Service/Method"`.
    public var rules: [String: Set<String>]

    /// No rules: every authenticated client may call every method (the default).
    public static let allowAll = ServerAuthorization([:])

    /// Creates the rules.
    ///
    /// - Parameter rules: Client public keys (Z85) allowed, by `"Service"` or `"Service/Method"`.
    public init(_ rules: [String: Set<String>]) {
        self.rules = rules
    }

    /// Whether the client with `publicKey` (nil: unauthenticated) may call `method`.
    ///
    /// ```swift
    /// #expect(authorization.permits(publicKey: billingKey, method: refund))
    /// ```
    ///
    /// - Parameters:
    ///   - publicKey: The caller's CURVE public key (Z85), nil under plain text.
    ///   - method: The method called.
    /// - Returns: Whether the call may proceed.
    public func permits(publicKey: String?, method: MethodDescriptor) -> Bool {
        guard !rules.isEmpty else { return true }
        guard let allowed = rules[method.service + "/" + method.method] ?? rules[method.service] else { return true }
        guard let publicKey else { return false }
        return allowed.contains(publicKey)
    }
}
