import Testing

@testable import ZRPCPubSub

/// The count of subscriptions per subscriber behind the forwarder's limit, with no sockets.
@Suite("Subscription quota")
struct SubscriptionQuotaTests {
    static let prefixes = (0..<4).map { Array("p\($0)".utf8) }

    @Test("each key holds at most the limit of distinct prefixes; a repeat takes no more room")
    func perKey() {
        var quota = SubscriptionQuota(limit: 2)
        let outcome1 = quota.admit(Self.prefixes[0], key: "a")
        #expect(outcome1)
        let outcome2 = quota.admit(Self.prefixes[0], key: "a")
        #expect(outcome2)
        let outcome3 = quota.admit(Self.prefixes[1], key: "a")
        #expect(outcome3)
        let outcome4 = quota.admit(Self.prefixes[2], key: "a")
        #expect(!outcome4)
        let outcome5 = quota.admit(Self.prefixes[2], key: "b")
        #expect(outcome5, "another key has its own room")
        quota.withdraw(Self.prefixes[1], key: "a")
        #expect(!quota.holds(Self.prefixes[1], key: "a"))
        let outcome6 = quota.admit(Self.prefixes[3], key: "a")
        #expect(outcome6)
    }

    @Test("a withdrawal without a key (a departed peer) is taken from every holder, never leaving one over")
    func keyless() {
        var quota = SubscriptionQuota(limit: 2)
        let outcome7 = quota.admit(Self.prefixes[0], key: "a")
        #expect(outcome7)
        let outcome8 = quota.admit(Self.prefixes[0], key: "b")
        #expect(outcome8)
        quota.withdraw(Self.prefixes[0], key: nil)
        #expect(!quota.holds(Self.prefixes[0], key: "a") && !quota.holds(Self.prefixes[0], key: "b"))
        // Plain text: every peer together, one subscription at a time.
        let outcome9 = quota.admit(Self.prefixes[1], key: nil)
        #expect(outcome9)
        let outcome10 = quota.admit(Self.prefixes[1], key: nil)
        #expect(outcome10)
        quota.withdraw(Self.prefixes[1], key: nil)
        #expect(quota.holds(Self.prefixes[1], key: nil), "the other peer's subscription stays")
    }
}
