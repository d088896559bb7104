import ZRPC

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Records an event when a thread exits: a pthread key's destructor runs as the thread ends (its
/// start routine has returned), so a test can await a thread's end instead of polling for it.
enum ThreadExit {
    /// What the destructor of one thread's key value records.
    private final class Notice {
        /// Where to record.
        let events: EventRecorder
        /// What to record.
        let event: String

        /// Creates a notice.
        init(events: EventRecorder, event: String) {
            self.events = events
            self.event = event
        }
    }

    /// The key whose destructor records the notice; made once per process.
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        let created = pthread_key_create(&key) { value in
            // Balances the retain in `signal(_:to:)`; records on the exiting thread.
            guard let value else { return }
            let notice = Unmanaged<Notice>.fromOpaque(value).takeRetainedValue()
            notice.events.record(notice.event)
        }
        precondition(created == 0, "pthread_key_create failed")
        return key
    }()

    /// Records `event` into `events` when the calling thread exits; a thread already signalling
    /// keeps its first event.
    static func signal(_ event: String, to events: EventRecorder) {
        guard pthread_getspecific(key) == nil else { return }
        let notice = Unmanaged.passRetained(Notice(events: events, event: event))
        pthread_setspecific(key, notice.toOpaque())
    }

    /// Records `event` when `executor`'s thread (a client's I/O thread) exits.
    static func signal(_ event: String, to events: EventRecorder, whenThreadOf executor: any TaskExecutor) async {
        await withTaskExecutorPreference(executor) {
            signal(event, to: events)
        }
    }
}

/// A server interceptor that records `event` when the thread its calls run on exits (with
/// ``Server/Configuration/handlerExecution`` `.ioThread`: the server's I/O thread).
struct ThreadExitInterceptor: ServerInterceptor {
    /// What to record when the thread exits.
    let event: String
    /// Where to record it.
    let events: EventRecorder

    /// Arms the signal on the current thread, then runs the call.
    func intercept(
        _ request: ServerRequest,
        next: @Sendable (ServerRequest) async throws -> SerializedMessage
    ) async throws -> SerializedMessage {
        ThreadExit.signal(event, to: events)
        return try await next(request)
    }
}
