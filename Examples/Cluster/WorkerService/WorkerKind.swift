import OrdersMessages

/// Which of the orders service's queues a `cluster-worker` process takes tasks from (`WORKER_KIND`).
///
/// ```swift
/// let kind = WorkerKind(rawValue: "payment")   // .payment
/// kind?.queue                                  // "cluster.OrderTasks/CapturePayment"
/// ```
public enum WorkerKind: String, Hashable, Sendable, CaseIterable {
    /// Captures payments (`cluster.OrderTasks/CapturePayment`).
    case payment
    /// Sends order confirmations (`cluster.OrderTasks/SendConfirmation`).
    case notification

    /// The queue's name at the broker.
    public var queue: String {
        switch self {
        case .payment: Cluster_OrderTasks.Method.CapturePayment.descriptor.name
        case .notification: Cluster_OrderTasks.Method.SendConfirmation.descriptor.name
        }
    }
}
