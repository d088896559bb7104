internal import ZeroMQ

extension ServerDriver {
    /// Reads one message: its calls are admitted and started, its control headers handled.
    func receive(_ message: borrowing ReceivedMessage) {
        guard message.count > 0 else { return }
        // libzmq puts the ZAP handler's user id (the client's public key) on every frame it reads
        // from a CURVE client; ZMQ_ZAP_ENFORCE_DOMAIN keeps unauthenticated clients out, and a
        // message without one is dropped all the same.
        var publicKey: String?
        if authenticates {
            publicKey = message.metadata("User-Id", at: message.count - 1)
            guard publicKey?.isEmpty == false else {
                statistics.record(.malformedMessage)
                return
            }
        }
        let client = ClientAddress(message.frame(at: 0))
        callIDsInMessage.removeAll(keepingCapacity: true)
        let failure = WireFormat.parse(message, from: 1) { call in
            if case .request(let header)? = call.header.kind {
                start(header, payload: call.payload ?? Frame(), client: client, publicKey: publicKey)
                return
            }
            runWaitingCalls()  // what follows a call in a message is handled after it started
            switch call.header.kind {
            case .cancel(let cancel)?:
                guard let cancelled = table.cancel(peer: client, callID: cancel.callID) else { return }
                cancelled.handle?.cancel()
                closeStream(
                    serial: cancelled.serial,
                    RPCError(code: .cancelled, message: "the client cancelled the call")
                )
                statistics.record(.cancelled)
                callRemoved()
            case .ping(let ping)?:
                if let pong = try? WireHeaders.pong(nonce: ping.nonce) {
                    enqueue(to: client, header: pong, payload: nil)
                }
            case .pong(let pong)?:
                perform(drain.pong(nonce: pong.nonce))
            case .streamMessage?, .streamEnd?, .credit?:
                if let kind = call.header.kind { receiveStreamControl(kind, payload: call.payload, from: client) }
            case .request?:
                break
            default:
                statistics.record(.malformedMessage)
            }
        }
        runWaitingCalls()
        wakeReaders()
        if let failure { refuse(failure, from: client) }
    }

    /// Counts a message that could not be read, and answers when its sender speaks ZRPC.
    private func refuse(_ failure: WireFormat.Failure, from client: ClientAddress) {
        switch failure {
        case .notZRPC:
            statistics.record(.malformedMessage)
        case .unsupportedVersion(let version):
            statistics.record(.unsupportedVersion)
            let message = "unsupported protocol version \(version); this server speaks \(WireFormat.signature)"
            respond(to: client, callID: 0, error: RPCError(code: .unimplemented, message: message))
        case .badHeader(let reason):
            statistics.record(.malformedMessage)
            respond(
                to: client,
                callID: 0,
                error: RPCError(code: .invalidArgument, message: "malformed ZRPC message: \(reason)")
            )
        }
    }

    /// Admits a call and starts it, or answers why not.
    private func start(_ header: Zrpc_Wire_RequestHeader, payload: Frame, client: ClientAddress, publicKey: String?) {
        // A call id repeated within one message: its first call may run inline, never in the table.
        guard !callIDsInMessage.contains(header.callID) else {
            statistics.record(.duplicateCallID)
            return
        }
        callIDsInMessage.append(header.callID)
        memoryRelease.received(bytes: payload.count)
        let method = MethodDescriptor(service: header.service, method: header.method)
        guard configuration.authorization.permits(publicKey: publicKey, method: method) else {
            statistics.record(.permissionDenied)
            let message = "this client may not call \(header.service)/\(header.method)"
            respond(to: client, callID: header.callID, error: RPCError(code: .permissionDenied, message: message))
            return
        }
        if !header.metadata.isEmpty, let problem = WireFormat.metadataKeyProblem(header.metadata) {
            statistics.record(.malformedMessage)
            respond(to: client, callID: header.callID, error: RPCError(code: .invalidArgument, message: problem))
            return
        }
        // In place (optional chaining), so the buckets are not copied.
        if rateLimiter?.allows(client.key, now: .now) == false {
            statistics.record(.overClientLimit)
            logOverClientLimit(client, refusal: "rate")
            let message = "this client is over its rate of \(rateLimiter?.callsPerSecond ?? 0) calls a second"
            respond(
                to: client,
                callID: header.callID,
                error: RPCError(
                    code: .resourceExhausted,
                    message: message,
                    metadata: [RPCError.notSentMetadataKey: "true"]
                )
            )
            return
        }
        let registered = registered(for: method)
        let handler = registered?.handler
        let arrival = ServerCallTable<ClientAddress, Task<Void, Never>>.Arrival(
            peer: client,
            callID: header.callID,
            method: method,
            payloadBytes: payload.count
        )
        let admission = table.admit(
            arrival,
            hostsMethod: handler != nil,
            hostsService: handler == nil && registry.hosts(service: header.service),
            refusingNewCalls: drain.refusesNewCalls || shutdown.isRequested
        )
        guard case .accepted(let reservation) = admission, let handler, let registered else {
            switch admission {
            case .refused(let refusal):
                statistics.record(refusal.event)
                if refusal.event == .overClientLimit { logOverClientLimit(client, refusal: "concurrent calls") }
                respond(to: client, callID: header.callID, error: refusal.error)
            case .duplicate:
                statistics.record(.duplicateCallID)
            case .accepted:
                break
            }
            return
        }
        let opensStream = header.streamWindow > 0
        guard handler.kind.isStreaming == opensStream else {
            table.release(reservation)
            statistics.record(.malformedMessage)
            let message =
                opensStream
                ? "\(handler.method) is unary: send a request, not a stream"
                : "\(handler.method) is \(handler.kind): open the call as a stream"
            respond(to: client, callID: header.callID, error: RPCError(code: .invalidArgument, message: message))
            return
        }
        let deadline = ContinuousClock.now.advanced(
            by: ServerTimeouts.clamp(micros: header.timeoutMicros, configuration)
        )
        let context = ServerContext(
            method: handler.method,
            metadata: WireFormat.metadata(header.metadata),
            deadline: deadline,
            attempt: max(header.attempt, 1),
            idempotencyKey: header.idempotencyKey,
            routingID: client.routingID,
            peerPublicKey: publicKey
        )
        var stream: StreamIO?
        if opensStream {
            stream = openStream(
                serial: reservation.serial,
                client: client,
                callID: header.callID,
                clientWindow: header.streamWindow
            )
            guard stream != nil else {
                table.release(reservation)
                respond(
                    to: client,
                    callID: header.callID,
                    error: RPCError(code: .internal, message: "the server could not open the stream")
                )
                return
            }
        }
        let call = AcceptedCall(
            reservation: reservation,
            callID: header.callID,
            methodIndex: registered.index,
            client: client,
            request: ServerRequest(
                payload: SerializedMessage(frame: payload),
                context: context,
                handler: handler,
                stream: stream
            ),
            deadline: deadline
        )
        run(call)
    }

    /// Logs a client over its limit of calls in flight or calls a second, at most once per interval
    /// for each client.
    private func logOverClientLimit(_ client: ClientAddress, refusal: String) {
        guard let suppressed = overClientLimitLog.record(client.key, now: .now) else { return }
        configuration.logger.warning(
            "a client is over its limit; its new calls are refused",
            metadata: [
                "limit": "\(refusal)",
                "concurrent-calls": "\(configuration.maxConcurrentCallsPerClient)",
                "calls-per-second": "\(configuration.maxCallsPerSecondPerClient.map(String.init) ?? "unlimited")",
                "routing-id": "\(client.hexRoutingID)",
                "refused-since-last-log": "\(suppressed + 1)",
            ]
        )
    }

    /// Counts a message dropped for its frame count, and logs it at most once per 10 s.
    func recordOversizedMessage() {
        statistics.record(.oversizedMessage)
        guard let suppressed = oversizedMessageLog.record(0, now: .now) else { return }
        configuration.logger.warning(
            "a message with more frames than a message may have was dropped",
            metadata: [
                "max-frames": "\(WireFormat.maxFrames)",
                "dropped-since-last-log": "\(suppressed + 1)",
            ]
        )
    }

    /// The handler serving `method`, nil when the server hosts no such method.
    private func registered(for method: MethodDescriptor) -> ServiceRegistry.Registered? {
        if let recent = recentHandler, recent.handler.method.method == method.method,
            recent.handler.method.service == method.service
        {
            return recent
        }
        let found = registry.registered(for: method)
        if found != nil { recentHandler = found }
        return found
    }
}
