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
        // otherwise (docs/CODEGEN.md, "Call options"). zrpc-gen finds this file by itself; import it:
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

        """
}
