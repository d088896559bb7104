import Dispatch
import Foundation
import Synchronization
import Testing
import ZeroMQ

/// The three transports every socket pattern is exercised over.
enum Transport: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case inproc
    case ipc
    case tcp

    var testDescription: String { rawValue }

    /// An endpoint to bind: unique per call for inproc and ipc, a wildcard port for tcp.
    func bindEndpoint() -> String {
        switch self {
        case .inproc: "inproc://\(uniqueName())"
        case .ipc: "ipc://\(ipcPath())"
        case .tcp: "tcp://127.0.0.1:*"
        }
    }
}

/// A process-unique name for inproc endpoints and ipc files.
func uniqueName() -> String {
    "zmqtest-\(getpid())-\(UUID().uuidString.prefix(13))"
}

/// A fresh ipc socket path under /tmp (short enough for sun_path).
func ipcPath() -> String {
    "/tmp/\(uniqueName()).ipc"
}

/// The longest any test waits for something that should happen.
let patience: Duration = .seconds(5)

/// A socket whose blocking sends and receives give up after ``patience`` instead of hanging a test.
func makeSocket(_ context: Context, _ type: SocketType) throws -> Socket {
    let socket = try Socket(context, type: type)
    try socket.set(.receiveTimeout, patience)
    try socket.set(.sendTimeout, patience)
    return socket
}

/// Binds a socket of `bindType`, connects a socket of `connectType` to it, runs `body`, then closes both
/// and removes the ipc file if any.
func withConnectedPair<Result>(
    _ context: Context,
    _ transport: Transport,
    bind bindType: SocketType,
    connect connectType: SocketType,
    configureConnecting: (Socket) throws -> Void = { _ in },
    _ body: (_ bound: Socket, _ connected: Socket) throws -> Result
) throws -> Result {
    let bound = try makeSocket(context, bindType)
    let connected = try makeSocket(context, connectType)
    let endpoint = transport.bindEndpoint()
    defer {
        bound.close()
        connected.close()
        if endpoint.hasPrefix("ipc://") {
            unlink(String(endpoint.dropFirst("ipc://".count)))
        }
    }
    try bound.bind(endpoint)
    let resolved = try bound.lastEndpoint
    if transport == .tcp {
        #expect(resolved.hasPrefix("tcp://127.0.0.1:"))
        #expect(!resolved.hasSuffix(":*"))
    } else {
        #expect(resolved == endpoint)
    }
    try configureConnecting(connected)
    try connected.connect(resolved)
    return try body(bound, connected)
}

/// Frames from strings.
func frames(_ strings: String...) throws -> [Frame] {
    try strings.map { try Frame($0) }
}

/// The strings of received frames (nil for non-UTF-8 frames).
func strings(_ frames: [Frame]?) -> [String?]? {
    frames?.map(\.string)
}

/// Runs a closure on a new OS thread; ``join(timeout:)`` waits for it with a deadline.
///
/// Sockets are not Sendable: a background thread creates its own sockets from a shared ``Context``.
final class BackgroundThread<Value: Sendable>: Sendable {
    private let finished = DispatchSemaphore(value: 0)
    private let outcome = Mutex<Swift.Result<Value, any Error>?>(nil)

    init(_ body: @escaping @Sendable () throws -> Value) {
        let thread = Thread { [self] in
            let result = Swift.Result { try body() }
            outcome.withLock { $0 = result }
            finished.signal()
        }
        thread.start()
    }

    /// The thread's outcome, or nil if it did not finish within `timeout`.
    func join(timeout: Duration = patience) -> Swift.Result<Value, any Error>? {
        guard finished.wait(timeout: .now() + timeout.timeInterval) == .success else { return nil }
        return outcome.withLock { $0 }
    }
}

/// Runs blocking socket work on a thread of its own and awaits it, so a long test does not hold
/// one of the cooperative pool's few threads (async tests in the same process need them).
func offPool<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Swift.Result { try body() }) }.start()
    }
}

/// A one-shot flag a thread raises and another waits for with a deadline.
final class Signal: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)

    func raise() { semaphore.signal() }

    func wait(timeout: Duration = patience) -> Bool {
        semaphore.wait(timeout: .now() + timeout.timeInterval) == .success
    }
}

extension Duration {
    var timeInterval: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// Expects `body` to throw a ``ZMQError`` with `code`; returns the error.
@discardableResult
func expectZMQError<R>(
    _ code: ZMQError.Code,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> R
) -> ZMQError? {
    do {
        _ = try body()
        Issue.record("expected \(code), nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as ZMQError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected ZMQError \(code), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
