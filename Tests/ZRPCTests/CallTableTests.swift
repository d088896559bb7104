import Testing

@testable import ZRPC

@Suite("Call table") struct CallTableTests {
    @Test("random inserts, lookups and removals agree with a Dictionary, through growth and colliding ids")
    func matchesDictionary() {
        for seed in UInt64(1)...20 {
            var random = SplitMixRandom(seed: seed)
            var table = CallTable<Int>()
            var model: [UInt64: Int] = [:]
            var nextID: UInt64 = 1
            for step in 0..<4_000 {
                let id: UInt64
                switch random.next() % 4 {
                case 0:
                    // Multiples of 64 share their low bits with other ids, so they share slots.
                    id = (random.next() % 48 + 1) * 64
                case 1:
                    // An id the table may or may not hold, as a late response would carry.
                    id = random.next() % (nextID + 8)
                default:
                    // A new id, as the client's counter hands them out.
                    id = nextID
                    nextID += 1
                }
                if random.next() % 3 == 0 || id == 0 {
                    #expect(
                        table.removeValue(for: id) == model.removeValue(forKey: id),
                        "seed \(seed), step \(step), id \(id)"
                    )
                } else {
                    table.insert(step, for: id)
                    model[id] = step
                }
                let probe = random.next() % (nextID + 64)
                #expect(table[probe] == model[probe], "seed \(seed), step \(step), probe \(probe)")
                #expect(table.count == model.count)
            }
            for (id, value) in model {
                #expect(table[id] == value, "seed \(seed), id \(id)")
            }
            #expect(table.removeAll().sorted() == model.values.sorted())
            #expect(table.isEmpty)
            #expect(table[nextID - 1] == nil)
        }
    }

    @Test("ids that share a slot are all kept, and each is found and removed on its own")
    func sharedSlots() {
        var table = CallTable<String>()
        // 128 slots at first: 1, 129 and 257 all map to slot 1.
        table.insert("a", for: 1)
        table.insert("b", for: 129)
        table.insert("c", for: 257)
        #expect(table.count == 3)
        #expect(table.removeValue(for: 1) == "a")
        #expect(table[129] == "b")
        #expect(table[257] == "c")
        table.insert("d", for: 1)
        table.insert("b2", for: 129)
        #expect(table[1] == "d")
        #expect(table[129] == "b2")
        #expect(table.count == 3)
        #expect(table.removeValue(for: 129) == "b2")
        #expect(table.removeValue(for: 129) == nil)
        #expect(table.removeValue(for: 0) == nil)
        #expect(table.removeAll().sorted() == ["c", "d"])
        #expect(table.isEmpty)
    }
}
