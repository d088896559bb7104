import Dispatch
import Foundation
import Synchronization
package import ZeroMQ

/// The ZAP handler (RFC 27) of one ZeroMQ context: a REP socket bound to
/// `inproc://zeromq.zap.01` on its own thread, answering libzmq's authentication requests for the
/// context's CURVE server sockets.
///
/// Each CURVE server socket gets its own ZAP domain, mapped to its ``CurveAllowList``: a client
/// whose public key is in the list gets `200` with its Z85 public key as the user id (libzmq then
/// gives it to every message as the `User-Id` property); anything else gets `400`. The handler
/// starts with the first CURVE server socket of its context and stops when the last one is gone.
///
/// Fail closed: every CURVE server socket also sets `ZMQ_ZAP_ENFORCE_DOMAIN`, so once the handler
/// is stopped (its socket unbound) libzmq refuses new connections instead of letting them in.
package final class ZAPHandler: Sendable {
    /// The running handlers, by the context they serve.
    private static let handlers = Mutex<[ObjectIdentifier: ZAPHandler]>([:])
    private static let nextDomain = Atomic<UInt64>(1)

    private let context: Context
    private let domains = Mutex<[String: CurveAllowList]>([:])
    private let wakeup: WakeupSignal
    private let stopping = Atomic<Bool>(false)
    private let stopped = DispatchSemaphore(value: 0)
    private let startup = Mutex<Result<Void, any Error>?>(nil)

    private init(context: Context) throws {
        self.context = context
        wakeup = try WakeupSignal()
        let started = DispatchSemaphore(value: 0)
        let thread = Thread { [self] in
            serve(started: started)
        }
        thread.name = "zrpc-zap"
        thread.start()
        started.wait()
        if case .failure(let error)? = startup.withLock({ $0 }) { throw error }
    }

    /// Registers a CURVE server socket's allow-list under a new ZAP domain, starting the context's
    /// handler if it is not running.
    ///
    /// - Returns: The registration: its ``ZAPRegistration/domain`` goes in `ZMQ_ZAP_DOMAIN`; the
    ///   domain is dropped when the registration is released.
    static func register(_ allowList: CurveAllowList, in context: Context) throws -> ZAPRegistration {
        try handlers.withLock { handlers in
            let id = ObjectIdentifier(context)
            let handler = try handlers[id] ?? ZAPHandler(context: context)
            handlers[id] = handler
            let domain = "zrpc-\(nextDomain.add(1, ordering: .relaxed).oldValue)"
            handler.domains.withLock { $0[domain] = allowList }
            return ZAPRegistration(domain: domain, handler: handler)
        }
    }

    /// Drops a domain; the last one stops the handler.
    fileprivate static func unregister(_ domain: String, from handler: ZAPHandler) {
        handlers.withLock { handlers in
            let empty = handler.domains.withLock { domains in
                domains[domain] = nil
                return domains.isEmpty
            }
            guard empty else { return }
            handler.stop()
            let id = ObjectIdentifier(handler.context)
            if handlers[id] === handler { handlers[id] = nil }
        }
    }

    /// Stops the handler of `context` while its CURVE sockets stay open: from then on they refuse
    /// every new connection (fail closed). For tests of that guarantee.
    package static func stopHandler(of context: Context) {
        let handler = handlers.withLock { $0[ObjectIdentifier(context)] }
        handler?.stop()
    }

    /// Stops the thread and unbinds the socket; returns when both are done. Idempotent.
    private func stop() {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        wakeup.signal()
        stopped.wait()
    }

    // MARK: - The handler's thread

    private func serve(started: DispatchSemaphore) {
        let socket: Socket
        let poller = Poller()
        do {
            socket = try Socket(context, type: .reply)
            try socket.bind("inproc://zeromq.zap.01")
            poller.add(socket, events: .readable)
            poller.add(fileDescriptor: wakeup.fileDescriptor, events: .readable)
            startup.withLock { $0 = .success(()) }
            started.signal()
        } catch {
            startup.withLock { $0 = .failure(error) }
            started.signal()
            stopped.signal()
            return
        }
        var lastReload = ContinuousClock.now
        while !stopping.load(ordering: .acquiring) {
            do {
                try poller.poll(timeout: .seconds(1))
                wakeup.drain()
                while !stopping.load(ordering: .acquiring), let request = try socket.receive(dontWait: true) {
                    _ = try socket.send(answer(request))
                }
            } catch {
                guard error.code == .messageTooLarge else { break }  // the context was shut down
                // Not a ZAP request (libzmq sends at most 8 frames): answer so the REP socket can go on.
                _ = try? socket.send(Self.reply(requestID: [], status: "500", text: "malformed request"))
            }
            if ContinuousClock.now - lastReload >= .seconds(1) {
                lastReload = .now
                for list in domains.withLock({ Array($0.values) }) { list.reloadIfChanged() }
            }
        }
        socket.close()
        stopped.signal()
    }

    /// The reply to a ZAP request: `[version, request id, domain, address, identity, mechanism,
    /// credentials…]` (RFC 27; CURVE's one credential is the client's 32-byte public key).
    private func answer(_ request: [Frame]) -> [Frame] {
        guard request.count >= 6, request[0].bytes == Array("1.0".utf8) else {
            return Self.reply(requestID: request.count > 1 ? request[1].bytes : [], status: "500", text: "bad version")
        }
        let requestID = request[1].bytes
        let domain = request[2].string ?? ""
        let mechanism = request[5].string ?? ""
        guard let allowList = domains.withLock({ $0[domain] }) else {
            // Not one of ours: a plain-text socket may pass, a CURVE one may not.
            return mechanism == "NULL"
                ? Self.reply(requestID: requestID, status: "200", text: "OK")
                : Self.reply(requestID: requestID, status: "400", text: "unknown domain")
        }
        guard mechanism == "CURVE", request.count == 7, request[6].count == Z85.curveKeyByteCount,
            let clientKey = try? Z85.encode(request[6].bytes)
        else {
            return Self.reply(requestID: requestID, status: "400", text: "CURVE required")
        }
        guard allowList.contains(clientKey) else {
            return Self.reply(requestID: requestID, status: "400", text: "client key not allowed")
        }
        return Self.reply(requestID: requestID, status: "200", text: "OK", userID: clientKey)
    }

    /// `[version "1.0", request id, status code, status text, user id, metadata]`.
    private static func reply(requestID: [UInt8], status: String, text: String, userID: String = "") -> [Frame] {
        let frames = try? [
            Frame("1.0"), Frame(bytes: requestID), Frame(status), Frame(text), Frame(userID), Frame(),
        ]
        return frames ?? []
    }
}

/// A CURVE server socket's place in its context's ZAP handler; releasing it drops the socket's
/// domain (and stops the handler after the last one).
package final class ZAPRegistration: Sendable {
    /// The socket's ZAP domain.
    package let domain: String
    private let handler: ZAPHandler

    fileprivate init(domain: String, handler: ZAPHandler) {
        self.domain = domain
        self.handler = handler
    }

    deinit {
        ZAPHandler.unregister(domain, from: handler)
    }
}
