/// The methods a server hosts, by service and method name (two lookups, so a call's names are
/// never joined into a new string).
struct ServiceRegistry: Sendable {
    private let handlers: [String: [String: MethodHandler]]

    init(services: [any RPCService]) {
        var handlers: [String: [String: MethodHandler]] = [:]
        for service in services {
            handlers[service.serviceDescriptor.fullName, default: [:]] = [:]
            for handler in service.methodHandlers {
                handlers[handler.method.service, default: [:]][handler.method.method] = handler
            }
        }
        self.handlers = handlers
    }

    func handler(for method: MethodDescriptor) -> MethodHandler? {
        handlers[method.service]?[method.method]
    }

    func hosts(service: String) -> Bool {
        handlers[service] != nil
    }
}
