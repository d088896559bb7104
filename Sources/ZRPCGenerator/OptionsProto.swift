/// `zrpc/options.proto`, built into zrpc-gen so that a `.proto` can import it wherever zrpc-gen
/// runs (a test checks that it is byte for byte `Protos/zrpc/options.proto`).
enum OptionsProto {
    /// The import path: `import "zrpc/options.proto";`.
    static let path = "zrpc/options.proto"

    /// Whether a file only declares options (ZRPC's, or protobuf's own `descriptor.proto`): no
    /// code is generated for it, and generated C does not include a header for it.
    static func declaresOnlyOptions(_ file: String) -> Bool {
        file == path || file.hasPrefix("google/protobuf/")
    }

    /// The file's text.
    static let text = """
        // ZRPC's options for services and methods: call defaults that zrpc-gen reads into the generated
        // method descriptors, and that clients apply unless their code or environment configuration sets
        // otherwise (docs/CODEGEN.md, "Call options"); queue services, whose methods are work queues
        // with a delivery policy (docs/CODEGEN.md, "Queue services"); and events services, whose methods are
        // pub/sub topics (docs/CODEGEN.md, "Events services"). zrpc-gen finds this file by itself; import it:
        //
        //   import "zrpc/options.proto";
        //
        //   service Orders {
        //     option (zrpc.service_policy) = { timeout_millis: 2000 };
        //     rpc Get(GetRequest) returns (Order) {
        //       option idempotency_level = NO_SIDE_EFFECTS;
        //       option (zrpc.method_policy) = { cache_ttl_millis: 10000, hedging: { max_attempts: 2, delay_millis: 50 } };
        //     }
        //   }
        //
        //   service Thumbnails {
        //     option (zrpc.queue) = { max_attempts: 5, lease_millis: 30000 };
        //     rpc Resize(ResizeTask) returns (ResizeResult) {
        //       option (zrpc.task_policy) = { max_attempts: 3, dead_letters: DEAD_LETTERS_DISCARD };
        //     }
        //   }
        //
        //   service CatalogEvents {
        //     option (zrpc.events) = { topic_prefix: "catalog" };
        //     rpc PriceChanged(PriceChange) returns (NoReply);                    // topic catalog.price_changed
        //     rpc ProductRemoved(ProductRemoval) returns (NoReply) { option (zrpc.topic) = "catalog.removed"; }
        //   }
        //
        // A method's policy overrides its service's field by field (a field left at zero inherits).
        syntax = "proto3";

        package zrpc;

        import "google/protobuf/descriptor.proto";

        message CallPolicy {
          // The default timeout of a call, in milliseconds (0: not set).
          uint32 timeout_millis = 1;
          // Calls carry an idempotency key, the same on every attempt, that the server honours: they are
          // safe to retry and to hedge even though the method has side effects.
          bool idempotency_keyed = 2;
          // Retry failed calls (methods safe to repeat; any method when the call never reached a server).
          RetryPolicy retry = 3;
          // Hedge calls: send another attempt when the first is slow (methods safe to repeat).
          HedgingPolicy hedging = 4;
          // Cache successful responses this long, in milliseconds (0: no cache).
          uint32 cache_ttl_millis = 5;
        }

        message RetryPolicy {
          // Attempts in all, the first included (at least 2 to retry at all).
          uint32 max_attempts = 1;
          // Backoff before the first retry, and its cap, in milliseconds (0: the client's default).
          uint32 initial_backoff_millis = 2;
          uint32 max_backoff_millis = 3;
          // How much the backoff grows per retry (0: the client's default).
          double backoff_multiplier = 4;
        }

        message HedgingPolicy {
          // Attempts in all, the first included (at least 2 to hedge at all).
          uint32 max_attempts = 1;
          // How long to wait for an answer before sending the next attempt, in milliseconds.
          uint32 delay_millis = 2;
        }

        extend google.protobuf.ServiceOptions {
          CallPolicy service_policy = 50420;
        }

        extend google.protobuf.MethodOptions {
          CallPolicy method_policy = 50420;
        }

        // A queue service's delivery policy: how the broker delivers its tasks. A field left at zero takes the
        // service's value (for a method) or the broker's (for the service); the broker's configuration for a
        // queue and a producer's options override what is declared here.
        message QueuePolicy {
          // Attempts in all, the first included.
          uint32 max_attempts = 1;
          // The wait before the second attempt after a retryable failure, and its cap, in milliseconds; the
          // wait grows by `backoff_multiplier` per attempt, and the broker picks a time uniformly between
          // zero and it (full jitter).
          uint32 initial_backoff_millis = 2;
          uint32 max_backoff_millis = 3;
          double backoff_multiplier = 4;
          // How long a worker holds a delivered task before the broker gives it to another (visibility
          // timeout), in milliseconds.
          uint32 lease_millis = 5;
          // How long a task may wait to run, from its enqueue, when the producer gives no deadline of its own,
          // in milliseconds.
          uint32 deadline_millis = 6;
          // Whether a task that fails for good keeps its payload in the dead-letter queue.
          DeadLetters dead_letters = 7;
        }

        enum DeadLetters {
          // Not set: the service's mode, else the broker's (kept).
          DEAD_LETTERS_DEFAULT = 0;
          // A task that fails for good is kept in the dead-letter queue, to be inspected and replayed.
          DEAD_LETTERS_KEEP = 1;
          // A task that fails for good is counted as dead-lettered and logged; its payload is not kept.
          DEAD_LETTERS_DISCARD = 2;
        }

        // A service with this option (even `{}`) is a queue service: each method is a work queue named by the
        // method's full name (`media.Thumbnails/Resize`), its input the task and its output the task's result.
        // zrpc-gen emits a producer and a worker protocol for it instead of RPC stubs.
        extend google.protobuf.ServiceOptions {
          QueuePolicy queue = 50421;
        }

        // One method's changes to its queue service's policy.
        extend google.protobuf.MethodOptions {
          QueuePolicy task_policy = 50421;
        }

        // An events service's topics. A service with the `(zrpc.events)` option (even `{}`) is an events
        // service: each method is an event type published on a topic of its own, its input the event and its
        // output an empty message of yours (`message NoReply {}`: events have no reply). zrpc-gen emits each
        // topic, typed publishers and typed subscriptions for it instead of RPC stubs.
        message EventsPolicy {
          // The topics' first segments: a method's topic is this, a dot, and the method's name in snake_case
          // (`catalog` and `PriceChanged` give `catalog.price_changed`). Empty: the file's package, or the
          // service's name in snake_case when the file has none.
          string topic_prefix = 1;
        }

        extend google.protobuf.ServiceOptions {
          EventsPolicy events = 50422;
        }

        // One event's whole topic instead of the one made from the prefix and the method's name: a dotted
        // name (`catalog.removed`).
        extend google.protobuf.MethodOptions {
          string topic = 50422;
        }

        """
}
