import Synchronization

/// Hands out a client's call ids: unique among its calls, never 0 (0 marks "no call" on the wire),
/// in order from 1. Every id handed out reaches the client's loop as a start or a skip, which is
/// what lets ``EarlyCancels`` tell an early cancel from a late one.
final class CallIDGenerator: Sendable {
    private let last = Atomic<UInt64>(0)

    func next() -> UInt64 {
        last.add(1, ordering: .relaxed).newValue
    }
}
