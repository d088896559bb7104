/// The methods a server hosts, by service and method name (two lookups, so a call's names are
/// never joined into a new string).
struct ServiceRegistry: Sendable {
    /// A hosted method's handler and its place in ``methods``.
    struct Registered: Sendable {
        let handler: MethodHandler
        let index: Int
    }

    private let handlers: [String: [String: Registered]]
    /// Every hosted method, each once; a method's index names it cheaply (the I/O thread's watch).
    let methods: [MethodDescriptor]

    init(services: [any RPCService]) {
        var handlers: [String: [String: Registered]] = [:]
        var methods: [MethodDescriptor] = []
        for service in services {
            handlers[service.serviceDescriptor.fullName, default: [:]] = [:]
            for handler in service.methodHandlers {
                let existing = handlers[handler.method.service]?[handler.method.method]
                let index = existing?.index ?? methods.count
                if existing == nil { methods.append(handler.method) }
                handlers[handler.method.service, default: [:]][handler.method.method] = Registered(
                    handler: handler,
                    index: index
                )
            }
        }
        self.handlers = handlers
        self.methods = methods
    }

    func handler(for method: MethodDescriptor) -> MethodHandler? {
        handlers[method.service]?[method.method]?.handler
    }

    /// The handler serving `method` with its index, nil when no service hosts it.
    func registered(for method: MethodDescriptor) -> Registered? {
        handlers[method.service]?[method.method]
    }

    /// The full names of the hosted services.
    var services: [String] { handlers.keys.sorted() }

    func hosts(service: String) -> Bool {
        handlers[service] != nil
    }
}
