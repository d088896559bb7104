import Foundation
import Testing
@testable import ZRPC
import ZeroMQ

/// Keys and an allow-list file for CURVE tests: a server key pair, two clients allowed (`alice`,
/// `bob`) and a stranger who is not; the file is removed by ``remove()``.
struct CurveFixture {
    let server: CurveKeys
    let alice: CurveKeys
    let bob: CurveKeys
    let stranger: CurveKeys
    let allowListPath: String
    let allowList: CurveAllowList

    init() throws {
        server = try CurveKeys.generate()
        alice = try CurveKeys.generate()
        bob = try CurveKeys.generate()
        stranger = try CurveKeys.generate()
        allowListPath = NSTemporaryDirectory() + "zrpc-allow-\(UUID().uuidString).txt"
        try Self.write([alice.publicKey, bob.publicKey], to: allowListPath)
        allowList = try CurveAllowList(contentsOf: allowListPath, logger: quietLogger)
    }

    /// Writes an allow-list file: a comment, then the keys with trailing comments.
    static func write(_ keys: [String], to path: String) throws {
        let lines = ["# test clients"] + keys.map { "\($0)   # a client" }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    var serverSecurity: TransportSecurity { .curveServer(keys: server, allowList: allowList) }

    func clientSecurity(_ keys: CurveKeys, serverKey: String? = nil) throws -> TransportSecurity {
        try .curveClient(keys: keys, serverPublicKey: serverKey ?? server.publicKey)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: allowListPath)
    }
}

/// Records each call's caller key (`key:<Z85>` or `key:none`) before the handler runs.
struct PeerKeyRecorder: ServerInterceptor {
    let events: EventRecorder

    func intercept(
        _ request: ServerRequest,
        next: @Sendable (ServerRequest) async throws -> SerializedMessage
    ) async throws -> SerializedMessage {
        events.record("key:\(request.context.peerPublicKey ?? "none")")
        return try await next(request)
    }
}

/// A client in `context` with `security` calling `endpoint` once (short deadline): the reply's
/// text, or the error's code.
func callOnce(
    _ endpoint: String,
    context: TransportContext,
    security: TransportSecurity,
    text: String,
    timeout: Duration = .milliseconds(500)
) async throws -> Result<String, RPCError> {
    var configuration = Client.Configuration(endpoints: [endpoint], defaultTimeout: timeout)
    configuration.transportContext = context
    configuration.security = security
    configuration.logger = quietLogger
    return try await Client.withClient(configuration: configuration) { client in
        do {
            return .success(try await TestRPC.Client(wrapping: client).call(.init(text: text)).text)
        } catch let error as RPCError {
            return .failure(error)
        }
    }
}

/// Connects raw CURVE DEALERs with fresh keys the server does not know, `attempts` times, each
/// sending a valid ZRPC request, and counts how many the server refused in the handshake (the
/// client saw `ZMQ_EVENT_HANDSHAKE_FAILED_AUTH` within 2 s). Runs on a thread of its own.
func strangersRefused(endpoint: String, serverKey: String, attempts: Int) async throws -> Int {
    try await withCheckedThrowingContinuation { continuation in
        Thread {
            continuation.resume(
                with: Result {
                    let context = try Context()
                    defer { context.shutdown() }
                    var refused = 0
                    for attempt in 0..<attempts {
                        let keys = try CurveKeyPair.generate()
                        let dealer = try Socket(context, type: .dealer)
                        let events = try Socket(context, type: .pair)
                        defer {
                            dealer.close()
                            events.close()
                        }
                        try dealer.set(.curveServerKey, serverKey)
                        try dealer.set(.curvePublicKey, keys.publicKey)
                        try dealer.set(.curveSecretKey, keys.secretKey)
                        let monitor = "inproc://curve-stranger-\(attempt)"
                        try dealer.monitor(monitor, events: [.handshakeFailedAuth, .handshakeSucceeded])
                        try events.connect(monitor)
                        try events.set(.receiveTimeout, .seconds(2))
                        try dealer.connect(endpoint)
                        let frames = try RawPeer.requestFrames(
                            callID: 1,
                            service: "zrpc.test.rpc.TestService",
                            method: "Call",
                            payload: Frame()
                        )
                        _ = try dealer.send(frames, dontWait: true)
                        if let event = try events.receiveMonitorEvent(), event.event == .handshakeFailedAuth {
                            refused += 1
                        }
                    }
                    return refused
                }
            )
        }.start()
    }
}
