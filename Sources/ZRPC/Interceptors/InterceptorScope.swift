/// Which calls an interceptor applies to: every call, the calls of some services, or some methods.
///
/// ```swift
/// configuration.interceptors = [
///     Audit().scoped(to: .methods([Orders_Orders.Method.Place.descriptor])),
///     RequireTenant().scoped(to: .services(["orders.Orders", "billing.Billing"])),
/// ]
/// ```
public struct InterceptorScope: Hashable, Sendable {
    private let services: Set<String>?
    private let methods: Set<String>?

    /// Every call.
    public static let all = InterceptorScope(services: nil, methods: nil)

    /// The calls of these services (full names, e.g. `echo.Echo`).
    ///
    /// - Parameter names: The services' full names.
    public static func services(_ names: some Sequence<String>) -> InterceptorScope {
        InterceptorScope(services: Set(names), methods: nil)
    }

    /// The calls of these methods.
    ///
    /// - Parameter descriptors: The methods (generated: `Echo_Echo.Method.Say.descriptor`).
    public static func methods(_ descriptors: some Sequence<MethodDescriptor>) -> InterceptorScope {
        InterceptorScope(services: nil, methods: Set(descriptors.map(\.fullName)))
    }

    /// Whether a call of `method` is in scope.
    ///
    /// - Parameter method: The call's method.
    public func contains(_ method: MethodDescriptor) -> Bool {
        if let services, !services.contains(method.service) { return false }
        if let methods, !methods.contains(method.fullName) { return false }
        return true
    }
}

/// A client interceptor that runs only for the calls in its scope; other calls go straight on.
public struct ScopedClientInterceptor<Base: ClientInterceptor>: ClientInterceptor {
    /// The interceptor.
    public let base: Base
    /// The calls it runs for.
    public let scope: InterceptorScope

    /// Runs `base` for calls in `scope` only.
    public func intercept(
        _ request: ClientRequest,
        next: @Sendable (ClientRequest) async throws -> ClientResponse
    ) async throws -> ClientResponse {
        guard scope.contains(request.method) else { return try await next(request) }
        return try await base.intercept(request, next: next)
    }
}

/// A server interceptor that runs only for the calls in its scope; other calls go straight on.
public struct ScopedServerInterceptor<Base: ServerInterceptor>: ServerInterceptor {
    /// The interceptor.
    public let base: Base
    /// The calls it runs for.
    public let scope: InterceptorScope

    /// Runs `base` for calls in `scope` only.
    public func intercept(
        _ request: ServerRequest,
        next: @Sendable (ServerRequest) async throws -> SerializedMessage
    ) async throws -> SerializedMessage {
        guard scope.contains(request.context.method) else { return try await next(request) }
        return try await base.intercept(request, next: next)
    }
}

extension ClientInterceptor {
    /// This interceptor, for the calls in `scope` only.
    ///
    /// - Parameter scope: The calls it runs for.
    public func scoped(to scope: InterceptorScope) -> ScopedClientInterceptor<Self> {
        ScopedClientInterceptor(base: self, scope: scope)
    }
}

extension ServerInterceptor {
    /// This interceptor, for the calls in `scope` only.
    ///
    /// - Parameter scope: The calls it runs for.
    public func scoped(to scope: InterceptorScope) -> ScopedServerInterceptor<Self> {
        ScopedServerInterceptor(base: self, scope: scope)
    }
}
