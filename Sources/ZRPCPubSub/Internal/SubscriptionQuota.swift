/// Bounds the subscriptions one subscriber holds on an XPUB socket in manual mode
/// (``ForwarderConfiguration/maxSubscriptionsPerPeer``): distinct topic prefixes per peer.
///
/// A peer is its CURVE public key (the `User-Id` on its subscription messages). In plain text the
/// socket knows no peer, so every peer counts together: the bound is on the socket's distinct
/// prefixes. libzmq withdraws a departed peer's subscriptions itself, without a key: such a
/// withdrawal is taken from every peer holding the prefix, since the departed one cannot be told
/// apart; the counts can then run low (a peer gets a little more room), never high (no peer is
/// refused room it has).
///
/// ```swift
/// var quota = SubscriptionQuota(limit: 1_024)
/// if quota.admit(Array("prices.".utf8), key: key) { try xpub.set(.subscribe, Array("prices.".utf8)) }
/// ```
struct SubscriptionQuota {
    /// The most distinct prefixes one peer may hold.
    let limit: Int
    /// Per peer (nil: the plain-text peers together), how many subscriptions to each prefix it holds.
    private var held: [String?: [[UInt8]: Int]] = [:]

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Records a subscription to `prefix` by `key`'s peer, unless it would hold more than
    /// ``limit`` distinct prefixes.
    ///
    /// - Returns: Whether it was recorded (to be applied).
    mutating func admit(_ prefix: [UInt8], key: String?) -> Bool {
        if held[key]?[prefix] == nil, (held[key]?.count ?? 0) >= limit { return false }
        held[key, default: [:]][prefix, default: 0] += 1
        return true
    }

    /// Whether `key`'s peer holds a subscription to `prefix`.
    func holds(_ prefix: [UInt8], key: String?) -> Bool {
        held[key]?[prefix] != nil
    }

    /// Removes one subscription to `prefix`: `key`'s, or with no key, one of each holder's.
    mutating func withdraw(_ prefix: [UInt8], key: String?) {
        if key != nil {
            withdraw(prefix, from: key)
            return
        }
        for holder in Array(held.keys) {
            withdraw(prefix, from: holder)
        }
    }

    private mutating func withdraw(_ prefix: [UInt8], from key: String?) {
        guard let count = held[key]?[prefix] else { return }
        held[key]?[prefix] = count > 1 ? count - 1 : nil
        if held[key]?.isEmpty == true { held[key] = nil }
    }
}
