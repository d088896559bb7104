import ProtobufC
import ZRPC
import ZRPCPubSub
import ZRPCQueue
import ZeroMQ

extension FuzzTarget {
    /// The envelopes of pipelines, pub/sub and the durable queue, as their receivers read them.
    /// The first byte picks the reader, the rest is its input:
    /// 0: a pipeline receiver's message (`ZRPP01`, ``ZRPCQueue/PipelineWire/check(_:)``), frames
    /// split as in ``FuzzFrames``; 1: a subscription's message ([topic][EventHeader][payload],
    /// ``ZRPCPubSub/PubSubWire/header(_:)``, a snapshot's topic checked as the subscription does);
    /// 2: a subscription message an XPUB publisher or forwarder reads
    /// (``ZRPCPubSub/PubSubWire/subscription(_:)``); 3: a broker's enqueue request, each task
    /// taken as the broker takes it; 4: a worker's message to the broker; 5: the broker's message
    /// to a worker, a delivery read into a ``ZRPCQueue/TaskContext``.
    package static let envelopes = FuzzTarget(
        name: "envelopes",
        summary: "pipeline (ZRPP01), pub/sub and durable queue envelopes, as their receivers read them"
    ) { input in
        guard let selector = input.first else { return }
        let rest = UnsafeRawBufferPointer(rebasing: input.dropFirst())
        switch selector % 6 {
        case 0: EnvelopeReaders.pipeline(rest)
        case 1: EnvelopeReaders.subscription(rest)
        case 2: EnvelopeReaders.subscriptionRequest(rest)
        case 3: EnvelopeReaders.enqueue(rest)
        case 4: EnvelopeReaders.workerMessage(rest)
        default: EnvelopeReaders.brokerMessage(rest)
        }
    }
}

/// Each envelope's receiving side, short of sockets and stores.
private enum EnvelopeReaders {
    /// The limits a server decodes requests with (the broker is a ZRPC server).
    static let limits = Server.Configuration(endpoints: []).decodingLimits

    static func pipeline(_ input: UnsafeRawBufferPointer) {
        // One frame more than a pipeline message has: the receiver reads at most that many.
        _ = try? ReceivedMessage.withFrames(FuzzFrames.split(input, maxFrames: PipelineWire.frameCount + 1)) {
            message in
            if let rejection = PipelineWire.check(message) {
                _ = rejection.description
            } else {
                _ = message.frame(at: 1).count
            }
        }
    }

    static func subscription(_ input: UnsafeRawBufferPointer) {
        let frames = FuzzFrames.split(input, maxFrames: PubSubWire.frameCount + 1)
        guard frames.count == PubSubWire.frameCount else { return }
        switch PubSubWire.header(frames[1]) {
        case .success(let header):
            _ = try? Topic.validate(topic: header.topic)
            _ = String(decoding: frames[0], as: UTF8.self)
        case .failure(let rejection):
            _ = rejection.description
        }
    }

    static func subscriptionRequest(_ input: UnsafeRawBufferPointer) {
        _ = try? ReceivedMessage.withFrames(FuzzFrames.split(input, maxFrames: 2)) { message in
            guard let request = PubSubWire.subscription(message) else { return }
            _ = request.welcomeID
            _ = request.snapshotRequest
        }
    }

    static func enqueue(_ input: UnsafeRawBufferPointer) {
        guard let request = try? Zrpc_Queue_EnqueueRequest(serializedBytes: input, limits: limits) else { return }
        for (index, submission) in request.tasks.enumerated() {
            _ = try? QueuedTask(
                submission: submission,
                index: index,
                now: 1_700_000_000_000,
                defaultPolicy: TaskPolicy(),
                queuePolicies: [:]
            )
        }
    }

    static func workerMessage(_ input: UnsafeRawBufferPointer) {
        _ = try? Zrpc_Queue_WorkerMessage(serializedBytes: input, limits: limits)
    }

    static func brokerMessage(_ input: UnsafeRawBufferPointer) {
        guard let message = try? Zrpc_Queue_BrokerMessage(serializedBytes: input, limits: limits) else { return }
        if case .delivery(let delivery)? = message.kind {
            _ = TaskContext(delivery)
        }
    }
}
