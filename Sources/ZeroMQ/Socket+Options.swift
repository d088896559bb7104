internal import CZeroMQ

extension Socket {
    /// Sets a socket option.
    ///
    /// ```swift
    /// try socket.set(.linger, .milliseconds(100))
    /// try socket.set(.receiveTimeout, .milliseconds(300))
    /// try socket.set(.immediate, true)
    /// ```
    ///
    /// - Parameters:
    ///   - option: The option.
    ///   - value: Its new value.
    /// - Throws: ``ZMQError`` (`invalidArgument` for values out of range or options this socket type does
    ///   not support, `notSocket` when closed).
    public func set<Value>(_ option: SocketOption<Value>, _ value: Value) throws(ZMQError) {
        try setOption(option.definition, value)
    }

    /// Sets a socket option that libzmq cannot read back.
    ///
    /// ```swift
    /// try subscriber.set(.subscribe, Array("orders.".utf8))
    /// ```
    ///
    /// - Parameters:
    ///   - option: The option.
    ///   - value: Its new value.
    /// - Throws: ``ZMQError`` (`invalidArgument` for options this socket type does not support).
    public func set<Value>(_ option: WriteOnlySocketOption<Value>, _ value: Value) throws(ZMQError) {
        try setOption(option.definition, value)
    }

    /// Reads a socket option.
    ///
    /// ```swift
    /// let highWaterMark = try socket.get(.sendHighWaterMark)
    /// ```
    ///
    /// - Parameters:
    ///   - option: The option.
    /// - Returns: Its current value.
    /// - Throws: ``ZMQError`` (`notSocket` when closed).
    public func get<Value>(_ option: SocketOption<Value>) throws(ZMQError) -> Value {
        try getOption(option.definition)
    }

    /// Reads a read-only socket property.
    ///
    /// ```swift
    /// let type = try socket.get(.type)
    /// ```
    ///
    /// - Parameters:
    ///   - option: The property.
    /// - Returns: Its current value.
    /// - Throws: ``ZMQError`` (`notSocket` when closed).
    public func get<Value>(_ option: ReadOnlySocketOption<Value>) throws(ZMQError) -> Value {
        try getOption(option.definition)
    }

    /// The endpoint last bound or connected, with wildcards resolved (`ZMQ_LAST_ENDPOINT`).
    ///
    /// ```swift
    /// try server.bind("tcp://127.0.0.1:*")
    /// try client.connect(try server.lastEndpoint)   // tcp://127.0.0.1:<port>
    /// ```
    public var lastEndpoint: String {
        get throws(ZMQError) { try get(.lastEndpoint) }
    }

    /// Whether a message can be received or sent right now without blocking (`ZMQ_EVENTS`).
    public var events: PollEvents {
        get throws(ZMQError) {
            let events = PollEvents(rawValue: Int16(truncatingIfNeeded: try getInt32(ZMQ_EVENTS, "ZMQ_EVENTS")))
            mayHaveUnannouncedEvents = events.contains(.readable)
            return events
        }
    }

    /// Whether the last frame received is followed by more frames of the same message (`ZMQ_RCVMORE`).
    public var hasMoreFrames: Bool {
        get throws(ZMQError) { try getInt32(ZMQ_RCVMORE, "ZMQ_RCVMORE") != 0 }
    }

    /// Subscribes a SUB socket to messages whose first frame starts with `prefix` (empty = everything).
    ///
    /// ```swift
    /// try subscriber.subscribe("weather.")
    /// ```
    ///
    /// - Parameters:
    ///   - prefix: The topic prefix, as UTF-8.
    /// - Throws: ``ZMQError`` (`invalidArgument` on sockets that are not SUB).
    public func subscribe(_ prefix: String) throws(ZMQError) {
        try set(.subscribe, Array(prefix.utf8))
    }

    /// Removes one earlier subscription to `prefix`.
    ///
    /// - Parameters:
    ///   - prefix: The topic prefix, as UTF-8.
    /// - Throws: ``ZMQError`` (`invalidArgument` on sockets that are not SUB).
    public func unsubscribe(_ prefix: String) throws(ZMQError) {
        try set(.unsubscribe, Array(prefix.utf8))
    }

    // MARK: - Implementation

    func setOption<Value>(_ definition: OptionDefinition<Value>, _ value: Value) throws(ZMQError) {
        let operation = "zmq_setsockopt(\(definition.name))"
        let handle = try openHandle(operation)
        let bytes: [UInt8]
        do {
            bytes = try definition.codec.encode(value)
        } catch {
            throw ZMQError(code: error.code, message: error.message, operation: operation)
        }
        try zmqCompletingCall(operation) {
            // An empty value is passed as (NULL, 0), the only empty form some options accept.
            bytes.withUnsafeBytes { value in
                zmq_setsockopt(handle, definition.code, value.isEmpty ? nil : value.baseAddress, value.count)
            }
        }
    }

    func getOption<Value>(_ definition: OptionDefinition<Value>) throws(ZMQError) -> Value {
        let operation = "zmq_getsockopt(\(definition.name))"
        let handle = try openHandle(operation)
        var buffer = [UInt8](repeating: 0, count: definition.codec.capacity)
        var size = 0
        try zmqCompletingCall(operation) { () -> Int32 in
            size = buffer.count
            return buffer.withUnsafeMutableBytes { zmq_getsockopt(handle, definition.code, $0.baseAddress, &size) }
        }
        do {
            return try definition.codec.decode(Array(buffer.prefix(size)))
        } catch {
            throw ZMQError(code: error.code, message: error.message, operation: operation)
        }
    }

    /// Reads an `int` option without going through a codec (used on hot paths).
    func getInt32(_ code: Int32, _ name: String) throws(ZMQError) -> Int32 {
        let operation = "zmq_getsockopt(\(name))"
        let handle = try openHandle(operation)
        var value: Int32 = 0
        var size = 0
        try zmqCompletingCall(operation) { () -> Int32 in
            size = MemoryLayout<Int32>.size
            return zmq_getsockopt(handle, code, &value, &size)
        }
        return value
    }
}
