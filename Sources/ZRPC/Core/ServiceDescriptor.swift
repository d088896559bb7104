/// A service from a `.proto` file and its methods.
///
/// ```swift
/// for method in Echo_Echo.descriptor.methods {
///     print(method.fullName)
/// }
/// ```
public struct ServiceDescriptor: Hashable, Sendable, CustomStringConvertible {
    /// The service's full proto name, e.g. `echo.Echo`.
    public let fullName: String
    /// Its methods, in declaration order.
    public let methods: [MethodDescriptor]

    /// Creates a service descriptor.
    ///
    /// - Parameters:
    ///   - fullName: The service's full proto name.
    ///   - methods: Its methods.
    public init(fullName: String, methods: [MethodDescriptor]) {
        self.fullName = fullName
        self.methods = methods
    }

    /// The method with this name, if the service has one.
    ///
    /// - Parameter name: The method's name, e.g. `Say`.
    public func method(named name: String) -> MethodDescriptor? {
        methods.first { $0.method == name }
    }

    public var description: String { fullName }
}
