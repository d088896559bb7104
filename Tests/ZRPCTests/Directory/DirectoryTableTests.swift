import Testing

@testable import ZRPC

/// The directory's entries as a value: leases, accepting flags, withdrawals.
@Suite("Directory table")
struct DirectoryTableTests {
    private func announcement(
        _ instance: String,
        services: [String] = ["shop.Orders"],
        endpoints: [String],
        accepting: Bool = true,
        withdraw: Bool = false
    ) -> Zrpc_Directory_Announcement {
        Zrpc_Directory_Announcement(
            instance: instance,
            services: services,
            endpoints: endpoints,
            accepting: accepting,
            withdraw: withdraw
        )
    }

    @Test("only live, accepting instances hosting the service are listed, sorted and once each")
    func listing() {
        var table = DirectoryTable()
        let now = ContinuousClock.now
        table.apply(announcement("b", endpoints: ["tcp://b:1"]), lease: .seconds(3), now: now)
        table.apply(announcement("a", endpoints: ["tcp://a:1", "tcp://b:1"]), lease: .seconds(3), now: now)
        table.apply(announcement("c", endpoints: ["tcp://c:1"], accepting: false), lease: .seconds(3), now: now)
        table.apply(announcement("d", services: ["shop.Other"], endpoints: ["tcp://d:1"]), lease: .seconds(3), now: now)
        #expect(table.endpoints(for: "shop.Orders") == ["tcp://a:1", "tcp://b:1"])
        #expect(table.endpoints(for: "shop.Other") == ["tcp://d:1"])
        #expect(table.endpoints(for: "shop.None").isEmpty)
    }

    @Test("a lease that runs out drops its instance; renewing it keeps it")
    func leases() {
        var table = DirectoryTable()
        let start = ContinuousClock.now
        table.apply(announcement("a", endpoints: ["tcp://a:1"]), lease: .seconds(1), now: start)
        table.apply(announcement("b", endpoints: ["tcp://b:1"]), lease: .seconds(1), now: start)
        table.apply(
            announcement("a", endpoints: ["tcp://a:1"]),
            lease: .seconds(1),
            now: start.advanced(by: .milliseconds(800))
        )
        #expect(table.nextExpiry == start.advanced(by: .seconds(1)))
        let version = table.version
        table.expire(now: start.advanced(by: .milliseconds(1_200)))
        #expect(table.endpoints(for: "shop.Orders") == ["tcp://a:1"])
        #expect(table.version > version)
        table.expire(now: start.advanced(by: .milliseconds(1_900)))
        #expect(table.endpoints(for: "shop.Orders").isEmpty)
    }

    @Test("a repeated announcement changes nothing a watcher sees; draining and withdrawing do")
    func versions() {
        var table = DirectoryTable()
        let now = ContinuousClock.now
        table.apply(announcement("a", endpoints: ["tcp://a:1"]), lease: .seconds(3), now: now)
        let first = table.version
        table.apply(announcement("a", endpoints: ["tcp://a:1"]), lease: .seconds(3), now: now)
        #expect(table.version == first)
        table.apply(announcement("a", endpoints: ["tcp://a:1"], accepting: false), lease: .seconds(3), now: now)
        #expect(table.version > first)
        #expect(table.endpoints(for: "shop.Orders").isEmpty)
        table.apply(announcement("a", endpoints: [], withdraw: true), lease: .seconds(3), now: now)
        #expect(table.entries.isEmpty)
    }
}
