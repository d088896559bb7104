import ZRPC

/// The service: a handler for the protocol ZRPCGenPlugin generated from greeter.proto.
struct Greeter: Demo_Greeter.ServiceProtocol {
    func sayHello(_ request: Demo_HelloRequest, context: ServerContext) async throws -> Demo_HelloReply {
        Demo_HelloReply(greeting: "hello, \(request.name)", tagCount: Int32(request.tags.count))
    }
}

// A generated message, encoded and decoded by protobuf-c through the generated C code.
let request = Demo_HelloRequest(name: "plugin", tags: ["c", "swift"])
let bytes = try request.serializedBytes()
print("round trip: \(try Demo_HelloRequest(serializedBytes: bytes) == request), \(bytes.count) bytes")

// The generated client stub, calling the service in process.
try await Client.withClient(calling: InProcessServer(services: [Greeter()])) { client in
    let reply = try await Demo_Greeter.Client(wrapping: client).sayHello(request)
    print("reply: \(reply.greeting), \(reply.tagCount) tags")
}
