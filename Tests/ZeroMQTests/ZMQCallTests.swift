import Testing

@testable import ZeroMQ

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The libzmq choke point (`zmqCall`), driven by fake C calls that set `errno`.
@Suite struct ZMQCallTests {
    @Test("a successful call is processed once, and its operation is never described")
    func success() throws {
        var described = 0
        func operation() -> String {
            described += 1
            return "fake"
        }
        var call = FakeCCall(failing: [], thenReturning: 3)
        let result = try zmqCall(operation()) { call() }
        #expect(result.processedValue == 3)
        #expect(call.calls == 1)
        #expect(described == 0)
    }

    @Test("EINTR is retried until the call completes")
    func interruptedIsRetried() throws {
        var call = FakeCCall(failing: [EINTR, EINTR, EINTR], thenReturning: 7)
        let result = try zmqCall("fake") { call() }
        #expect(result.processedValue == 7)
        #expect(call.calls == 4)
    }

    @Test("EAGAIN is would-block, not an error, also after an EINTR")
    func againIsWouldBlock() throws {
        var call = FakeCCall(failing: [EINTR, EAGAIN])
        let result = try zmqCall("fake") { call() }
        #expect(result.isWouldBlock)
        #expect(call.calls == 2)
    }

    @Test(
        "any other errno is thrown once, as a ZMQError naming the operation",
        arguments: [
            ZMQError.Code.contextTerminated, .notSocket, .invalidArgument, .hostUnreachable, .tooManyOpenFiles,
            .outOfMemory,
        ]
    )
    func otherErrorsAreThrown(code: ZMQError.Code) {
        var call = FakeCCall(failing: [code.errno, EINTR])
        let error = expectZMQError(code) {
            try zmqCall("zmq_fake(tcp://127.0.0.1:1)") { call() }
        }
        #expect(error?.operation == "zmq_fake(tcp://127.0.0.1:1)")
        #expect(error?.message == ZMQError.Code.text(for: code.errno))
        #expect(call.calls == 1)
    }

    @Test("a call that must complete throws would-block as an EAGAIN error")
    func completingCallThrowsWouldBlock() {
        var call = FakeCCall(failing: [EAGAIN])
        let error = expectZMQError(.wouldBlock) { try zmqCompletingCall("zmq_fake") { call() } }
        #expect(error?.operation == "zmq_fake")
    }

    @Test("a call that must complete returns the value after EINTR")
    func completingCallRetries() throws {
        var call = FakeCCall(failing: [EINTR], thenReturning: 5)
        #expect(try zmqCompletingCall("fake") { call() } == 5)
        #expect(call.calls == 2)
    }

    @Test("a pointer-returning call goes through the same choke point: NULL is failure")
    func pointerCalls() throws {
        let pointer = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)
        defer { pointer.deallocate() }
        var calls = 0
        let result = try zmqCompletingCall("zmq_fake_new") { () -> UnsafeMutableRawPointer? in
            calls += 1
            guard calls > 1 else {
                errno = EINTR
                return nil
            }
            return pointer
        }
        #expect(result == pointer)
        #expect(calls == 2)

        let error = expectZMQError(.tooManyOpenFiles) {
            try zmqCompletingCall("zmq_fake_new") { () -> UnsafeMutableRawPointer? in
                errno = EMFILE
                return nil
            }
        }
        #expect(error?.operation == "zmq_fake_new")
    }

    @Test("a real non-blocking read of an empty eventfd would block")
    func realReadWouldBlock() throws {
        let signal = try WakeupSignal()
        var buffer: UInt64 = 0
        let result = try zmqCall("read") { read(signal.fileDescriptor, &buffer, MemoryLayout<UInt64>.size) }
        #expect(result.isWouldBlock)
    }

    @Test("EBADF (a closed descriptor) stops the process")
    func badDescriptorStops() async {
        await #expect(processExitsWith: .failure) {
            var buffer: UInt64 = 0
            _ = try? zmqCall("read") { read(-1, &buffer, MemoryLayout<UInt64>.size) }
        }
    }

    @Test("EFAULT (an invalid context, message or pointer) stops the process")
    func badAddressStops() async {
        await #expect(processExitsWith: .failure) {
            var call = FakeCCall(failing: [EFAULT])
            _ = try? zmqCall("zmq_fake") { call() }
        }
    }
}

extension IOResult {
    /// The value of a processed call, `nil` if it would block.
    fileprivate var processedValue: Value? {
        guard case .processed(let value) = self else { return nil }
        return value
    }

    /// Whether the call would block.
    fileprivate var isWouldBlock: Bool {
        guard case .wouldBlock = self else { return false }
        return true
    }
}
