public import CProtobufC

/// A handle on the `ProtobufCMessageDescriptor` that protoc-c generated for a message type.
///
/// Generated code creates one per message type from the type's C `…__init` function, which
/// stamps the descriptor into the struct it initialises:
///
/// ```swift
/// static let protobufCDescriptor = MessageDescriptor(initializer: echo__echo_request__init)
/// ```
public struct MessageDescriptor: @unchecked Sendable {
    // Safe to share: the pointer refers to a `const` descriptor that protoc-c emitted as static
    // data; nothing ever writes to it.
    /// The protoc-c descriptor.
    public let pointer: UnsafePointer<ProtobufCMessageDescriptor>

    /// Reads the descriptor that a protoc-c `…__init` function stamps into a fresh struct.
    ///
    /// - Parameter initializer: The message's generated C init function.
    public init<CMessage>(initializer: (UnsafeMutablePointer<CMessage>?) -> Void) {
        let storage = UnsafeMutablePointer<CMessage>.allocate(capacity: 1)
        defer { storage.deallocate() }
        UnsafeMutableRawPointer(storage).initializeMemory(
            as: UInt8.self,
            repeating: 0,
            count: MemoryLayout<CMessage>.size
        )
        initializer(storage)
        let base = UnsafeRawPointer(storage).load(as: CProtobufC.ProtobufCMessage.self)
        self.pointer = base.descriptor
    }

    /// The message's full protobuf name, e.g. `echo.EchoRequest`.
    public var fullName: String {
        String(cString: pointer.pointee.name)
    }

    /// The size of the message's C struct, in bytes.
    public var structSize: Int {
        pointer.pointee.sizeof_message
    }
}
