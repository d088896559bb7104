/// The client's calls waiting for a response, by call id: a table built for the ids
/// ``CallIDGenerator`` hands out.
///
/// Those ids count up from 1, so the ids in flight at any time are a narrow, nearly contiguous
/// range, and their low bits alone place them in distinct slots of an array: a lookup is a mask
/// and a compare, with no hashing and no probing (a `Dictionary` hashes every id with SipHash,
/// a few percent of a busy client's thread). An id whose slot is taken by another id (a call
/// still waiting after as many newer ones as there are slots) goes to a `Dictionary` on the side.
/// The array doubles when it is half full. Id 0 marks an empty slot; the generator never hands
/// it out.
struct CallTable<Value> {
    private var ids: [UInt64]
    private var values: [Value?]
    private var mask: Int
    /// Calls whose slot another call holds.
    private var overflow: [UInt64: Value] = [:]
    /// How many calls the table holds.
    private(set) var count = 0

    init() {
        let capacity = 128
        ids = Array(repeating: 0, count: capacity)
        values = Array(repeating: nil, count: capacity)
        mask = capacity - 1
    }

    /// Whether the table holds no call.
    var isEmpty: Bool { count == 0 }

    /// The value stored for `id`, if any.
    subscript(id: UInt64) -> Value? {
        let slot = slot(for: id)
        if ids[slot] == id, id != 0 { return values[slot] }
        return overflow.isEmpty ? nil : overflow[id]
    }

    /// Stores `value` for `id` (which must not be 0), replacing any value stored for it.
    mutating func insert(_ value: Value, for id: UInt64) {
        precondition(id != 0, "call id 0 marks an empty slot")
        let slot = slot(for: id)
        if ids[slot] == id {
            values[slot] = value
            return
        }
        if !overflow.isEmpty, overflow[id] != nil {
            overflow[id] = value
            return
        }
        count += 1
        if count * 2 > ids.count {
            grow()
            place(value, for: id)
        } else if ids[slot] == 0 {
            ids[slot] = id
            values[slot] = value
        } else {
            overflow[id] = value
        }
    }

    /// Removes and returns the value stored for `id`; nil when there is none.
    mutating func removeValue(for id: UInt64) -> Value? {
        let slot = slot(for: id)
        if ids[slot] == id, id != 0 {
            ids[slot] = 0
            count -= 1
            return values[slot].take()
        }
        guard !overflow.isEmpty, let value = overflow.removeValue(forKey: id) else { return nil }
        count -= 1
        return value
    }

    /// Changes the value stored for `id` in place; nothing when there is none.
    mutating func modify(_ id: UInt64, _ body: (inout Value) -> Void) {
        let slot = slot(for: id)
        if ids[slot] == id, id != 0, values[slot] != nil {
            body(&values[slot]!)
            return
        }
        guard !overflow.isEmpty, overflow[id] != nil else { return }
        body(&overflow[id]!)
    }

    /// Removes and returns the calls whose value matches `predicate`, in no particular order.
    mutating func removeAll(where predicate: (Value) -> Bool) -> [Value] {
        var removed: [Value] = []
        for slot in ids.indices where ids[slot] != 0 {
            guard let value = values[slot], predicate(value) else { continue }
            removed.append(value)
            values[slot] = nil
            ids[slot] = 0
        }
        for (id, value) in overflow where predicate(value) {
            overflow.removeValue(forKey: id)
            removed.append(value)
        }
        count -= removed.count
        return removed
    }

    /// Calls `body` with every value, in no particular order.
    func forEach(_ body: (Value) -> Void) {
        for slot in ids.indices where ids[slot] != 0 {
            if let value = values[slot] { body(value) }
        }
        for value in overflow.values { body(value) }
    }

    /// Removes every call and returns their values, in no particular order.
    mutating func removeAll() -> [Value] {
        var removed: [Value] = []
        removed.reserveCapacity(count)
        for slot in ids.indices where ids[slot] != 0 {
            if let value = values[slot].take() { removed.append(value) }
            ids[slot] = 0
        }
        removed.append(contentsOf: overflow.values)
        overflow.removeAll()
        count = 0
        return removed
    }

    private func slot(for id: UInt64) -> Int {
        Int(truncatingIfNeeded: id) & mask
    }

    /// Puts a call in its slot, or on the side when the slot is taken (the count is unchanged).
    private mutating func place(_ value: Value, for id: UInt64) {
        let slot = slot(for: id)
        if ids[slot] == 0 {
            ids[slot] = id
            values[slot] = value
        } else {
            overflow[id] = value
        }
    }

    private mutating func grow() {
        let oldIDs = ids
        var oldValues = values
        let oldOverflow = overflow
        let capacity = ids.count * 2
        ids = Array(repeating: 0, count: capacity)
        values = Array(repeating: nil, count: capacity)
        mask = capacity - 1
        overflow = [:]
        for slot in oldIDs.indices where oldIDs[slot] != 0 {
            if let value = oldValues[slot].take() { place(value, for: oldIDs[slot]) }
        }
        for (id, value) in oldOverflow { place(value, for: id) }
    }
}
