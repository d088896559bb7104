/// The methods a server hosts, by `service/method`.
struct ServiceRegistry: Sendable {
    private let handlers: [String: MethodHandler]
    private let services: Set<String>
    /// The hosted services' descriptors, in the order given.
    let descriptors: [ServiceDescriptor]

    init(services: [any RPCService]) {
        var handlers: [String: MethodHandler] = [:]
        for service in services {
            for handler in service.methodHandlers {
                handlers[handler.method.fullName] = handler
            }
        }
        self.handlers = handlers
        self.services = Set(services.map(\.serviceDescriptor.fullName))
        self.descriptors = services.map(\.serviceDescriptor)
    }

    func handler(for method: MethodDescriptor) -> MethodHandler? {
        handlers[method.fullName]
    }

    func hosts(service: String) -> Bool {
        services.contains(service)
    }
}
