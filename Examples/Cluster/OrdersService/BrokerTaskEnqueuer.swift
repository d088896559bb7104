public import OrdersMessages
import ZRPC
import ZRPCQueue

/// The ``TaskEnqueuing`` of the cluster: enqueues on the broker (`zrpc-broker`) through the producer
/// zrpc-gen made for `cluster.OrderTasks`, under each task's ``OrderTask/idempotencyKey`` (so enqueuing
/// a task again is answered with the first one's id), with no deadline of its own (a task waits for a
/// worker however long it takes), each call bounded by `timeout`.
///
/// ```swift
/// let brokerClient = try Client(configuration: .init(endpoints: ["tcp://127.0.0.1:7100"]))
/// let tasks = BrokerTaskEnqueuer(producer: Cluster_OrderTasks.Producer(client: brokerClient))
/// try await tasks.enqueue(.sendConfirmation(orderID: "ord-1", customerEmail: "ada@example.com"))
/// ```
public struct BrokerTaskEnqueuer: TaskEnqueuing {
    private let producer: Cluster_OrderTasks.Producer
    private let timeout: Duration

    /// Creates the enqueuer.
    ///
    /// - Parameters:
    ///   - producer: The generated producer, on a client of the broker.
    ///   - timeout: How long one enqueue may take (an order's call also bounds it).
    public init(producer: Cluster_OrderTasks.Producer, timeout: Duration = .milliseconds(500)) {
        self.producer = producer
        self.timeout = timeout
    }

    /// Enqueues `task` on its queue and returns once the broker has committed it.
    public func enqueue(_ task: OrderTask) async throws {
        let options = EnqueueOptions(
            idempotencyKey: task.idempotencyKey,
            deadline: .none,
            call: CallOptions(timeout: timeout)
        )
        switch task {
        case .capturePayment(let orderID, let amountCents, let cardToken):
            try await producer.capturePayment.enqueue(
                .init(orderID: orderID, amountCents: amountCents, cardToken: cardToken),
                options: options
            )
        case .sendConfirmation(let orderID, let customerEmail):
            try await producer.sendConfirmation.enqueue(
                .init(orderID: orderID, customerEmail: customerEmail),
                options: options
            )
        }
    }
}
