import Foundation
import SoakKit
import Testing

@Suite struct SoakKitTests {
    @Test func theScheduleDrawsEachRulesIntervalsFromItsRangeAndRepeatsWithItsSeed() {
        let start = ContinuousClock.now
        let rules = [
            ChaosSchedule.Rule(.kill(role: "worker"), every: .seconds(30)...(.seconds(60))),
            ChaosSchedule.Rule(.pause(role: "any", for: .seconds(3)), every: .seconds(100)...(.seconds(100))),
        ]
        func run(seed: UInt64) -> [(Duration, ChaosSchedule.Action)] {
            var schedule = ChaosSchedule(rules: rules, seed: seed, start: start)
            var seen: [(Duration, ChaosSchedule.Action)] = []
            for second in 1...600 {
                let now = start.advanced(by: .seconds(second))
                for action in schedule.due(at: now) { seen.append((.seconds(second), action)) }
            }
            return seen
        }
        let first = run(seed: 42)
        let kills = first.filter { $0.1 == .kill(role: "worker") }.map(\.0)
        let gaps = zip(kills.dropFirst(), kills).map { $0 - $1 }
        #expect(kills.count >= 9 && kills.count <= 20, "600 s at one kill per 30–60 s: \(kills.count)")
        #expect(gaps.allSatisfy { $0 >= .seconds(30) && $0 <= .seconds(61) }, "\(gaps)")
        #expect(
            first.filter { $0.1 == .pause(role: "any", for: .seconds(3)) }.map(\.0)
                == (1...6).map { .seconds(100 * $0) }
        )
        let again = run(seed: 42)
        #expect(again.map(\.0) == first.map(\.0), "the same seed repeats the run")
        #expect(run(seed: 43).map(\.0) != first.map(\.0))
    }

    @Test func residentGrowthIsMeasuredPerInstanceAfterItsWarmUp() {
        var timeline = SoakTimeline()
        for second in 0...100 {
            var resident: [String: UInt64] = ["broker#1": 100 + UInt64(second) / 10]  // 101 at 10 s, 110 at 100 s
            if second >= 90 { resident["worker#2"] = 10 * UInt64(second) }  // restarted late: too young to count
            timeline.append(.init(at: .seconds(second), calls: 10, p50Micros: 500, p99Micros: 900, resident: resident))
        }
        timeline.mark(at: .seconds(90), "SIGKILL worker#1")
        let growth = timeline.largestResidentGrowth(afterWarmUp: .seconds(10))
        #expect(growth?.instance == "broker#1")
        #expect(abs((growth?.percent ?? 0) - (110.0 - 101.0) / 101.0 * 100) < 0.01)
    }

    @Test func thePlotDrawsEveryInstanceAndEveryEvent() {
        var timeline = SoakTimeline()
        for second in 1...5 {
            timeline.append(
                .init(
                    at: .seconds(second),
                    calls: 100 * second,
                    p50Micros: 800,
                    p99Micros: 2_000,
                    resident: ["edge#7": 30 << 20]
                )
            )
        }
        timeline.mark(at: .seconds(3), "SIGKILL <worker>")
        let svg = SoakPlot(timeline: timeline, title: "test").svg()
        #expect(svg.hasPrefix("<svg"))
        #expect(svg.contains("<title>edge#7</title>"))
        #expect(svg.contains("SIGKILL &lt;worker&gt;"))
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 4, "p50, p99, calls, one instance")
    }
}
