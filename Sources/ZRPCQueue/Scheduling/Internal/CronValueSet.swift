/// The values one cron field allows (each in 0 ..< 64), as a bit set: membership and "the first
/// allowed value at or after v" are single instructions, so matching skips by fields.
struct CronValueSet: Hashable, Sendable {
    private(set) var bits: UInt64 = 0

    var isEmpty: Bool { bits == 0 }

    mutating func insert(_ value: Int) {
        precondition((0..<64).contains(value), "cron values are below 64")
        bits |= 1 << UInt64(value)
    }

    func contains(_ value: Int) -> Bool {
        (0..<64).contains(value) && bits & (1 << UInt64(value)) != 0
    }

    /// The smallest allowed value ≥ `value`, or `nil` when there is none.
    func first(atOrAfter value: Int) -> Int? {
        guard value < 64 else { return nil }
        let remaining = bits & (UInt64.max << UInt64(max(value, 0)))
        return remaining == 0 ? nil : remaining.trailingZeroBitCount
    }

    /// The allowed values in ascending order.
    var values: [Int] { (0..<64).filter(contains) }
}
