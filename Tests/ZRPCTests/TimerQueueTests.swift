import Testing

@testable import ZRPC

@Suite("Timer queue") struct TimerQueueTests {
    private let start = ContinuousClock.now

    private func at(_ milliseconds: Int) -> ContinuousClock.Instant {
        start.advanced(by: .milliseconds(milliseconds))
    }

    @Test("timers expire in deadline order, whatever the order they were scheduled in")
    func expiresInOrder() {
        var queue = TimerQueue<UInt64>()
        var random = SplitMixRandom(seed: 7)
        let deadlines = (0..<500).map { _ in Int(random.next() % 10_000) }
        for (key, deadline) in deadlines.enumerated() {
            queue.schedule(UInt64(key), at: at(deadline))
        }
        #expect(queue.nextDeadline == at(deadlines.min() ?? 0))
        let expired = queue.popExpired(now: at(5_000))
        let expected = deadlines.enumerated().filter { $0.element <= 5_000 }
        #expect(expired.count == expected.count)
        #expect(expired.map { deadlines[Int($0)] } == expected.map(\.element).sorted())
        #expect(queue.count == deadlines.count - expected.count)
        #expect(queue.popExpired(now: at(10_000)).count == deadlines.count - expected.count)
        #expect(queue.isEmpty)
    }

    @Test("nearly ordered deadlines (one timeout, some jitter, a few short ones) expire in order")
    func nearlyOrdered() {
        var queue = TimerQueue<UInt64>()
        var random = SplitMixRandom(seed: 11)
        var deadlines: [Int] = []
        var seen = 0
        for index in 0..<2_000 {
            // Mostly 5 s after a rising start with up to 30 ms of jitter; every 50th a short timeout.
            let jitter = Int(random.next() % 30)
            let deadline = index % 50 == 0 ? index : 5_000 + index * 2 - jitter
            deadlines.append(deadline)
            queue.schedule(UInt64(index), at: at(deadline))
            if index == 1_000 {
                // Expire a prefix midway, so the ordered part has a head to slide up to.
                let expired = queue.popExpired(now: at(5_100))
                let expected = deadlines.enumerated().filter { $0.element <= 5_100 }
                #expect(expired.map { deadlines[Int($0)] } == expected.map(\.element).sorted())
                seen += expired.count
            }
        }
        var last = Int.min
        while let next = queue.nextDeadline {
            let expired = queue.popExpired(now: next)
            #expect(!expired.isEmpty)
            for key in expired {
                #expect(deadlines[Int(key)] >= last)
                last = deadlines[Int(key)]
            }
            seen += expired.count
        }
        #expect(queue.isEmpty)
        #expect(seen == deadlines.count)
    }

    @Test("random schedules, finishes and expiries never leave a live timer unfired or late", arguments: 1...20)
    func randomOperations(seed: UInt64) {
        var queue = TimerQueue<UInt64>()
        var random = SplitMixRandom(seed: seed)
        var live: [UInt64: Int] = [:]  // key → deadline (ms) of timers whose call is still running
        var now = 0
        var nextKey: UInt64 = 0
        for _ in 0..<3_000 {
            switch random.next() % 10 {
            case 0..<5:  // a call starts: mostly one timeout with jitter, sometimes a short one
                let deadline =
                    random.next() % 8 == 0
                    ? now + Int(random.next() % 50)
                    : now + 5_000 - Int(random.next() % 40)
                queue.schedule(nextKey, at: at(deadline))
                live[nextKey] = deadline
                nextKey += 1
            case 5..<8:  // a call finishes before its deadline
                if let key = live.keys.randomElement(using: &random) { live[key] = nil }
            default:  // time passes; the loop drops stale timers and fires the expired ones
                now += Int(random.next() % 400)
                queue.dropStale(where: { live[$0] == nil }, live: live.count)
                if let earliest = live.values.min() {
                    #expect(
                        queue.nextDeadline.map { $0 <= at(earliest) } == true,
                        "seed \(seed): a live timer would fire late"
                    )
                }
                for key in queue.popExpired(now: at(now)) {
                    if let deadline = live.removeValue(forKey: key) { #expect(deadline <= now) }
                }
                #expect(!live.values.contains { $0 <= now }, "seed \(seed): an expired live timer was not popped")
            }
        }
    }

    @Test("stale timers at the front are dropped, so they never wake the loop")
    func dropsStaleFront() {
        var queue = TimerQueue<UInt64>()
        for key in 0..<10 { queue.schedule(UInt64(key), at: at(key)) }
        let finished: Set<UInt64> = [0, 1, 2, 5]
        queue.dropStale(where: { finished.contains($0) }, live: 6)
        #expect(queue.nextDeadline == at(3))
        #expect(queue.count == 7)  // 5 is not at the front yet, so it stays until it is
        #expect(queue.popExpired(now: at(9)) == [3, 4, 5, 6, 7, 8, 9])
    }

    @Test("once stale timers outnumber live ones the heap is rebuilt without them")
    func compactsStaleTimers() {
        var queue = TimerQueue<UInt64>()
        var live: Set<UInt64> = []
        // Every call gets the same 5 s deadline and most finish at once: the finished ones are
        // never at the front, so only compaction can drop them.
        for key in 0..<10_000 {
            queue.schedule(UInt64(key), at: at(5_000 + key))
            if key % 100 == 0 { live.insert(UInt64(key)) }
            queue.dropStale(where: { !live.contains($0) }, live: live.count)
            #expect(queue.count <= 2 * live.count + 65)
        }
        // Timers are popped stale or not (the driver skips finished calls); every live one is there.
        let expired = queue.popExpired(now: at(20_000))
        #expect(Set(expired).isSuperset(of: live))
        #expect(expired.count <= 2 * live.count + 64)
    }
}
