import Foundation

/// Draws a soak timeline as one SVG: on top, p50 and p99 latency (left axis, ms) and calls per
/// second (right axis) with every event marked by a red line; below, each process instance's
/// resident memory (MiB). Plain SVG, no script, readable in a browser or a Markdown viewer.
///
/// ```swift
/// try SoakPlot(timeline: timeline, title: "soak, 30 min").svg().write(toFile: "soak.svg", atomically: true, encoding: .utf8)
/// ```
public struct SoakPlot: Sendable {
    /// What to draw.
    public var timeline: SoakTimeline
    /// The title above the plot.
    public var title: String

    private let width = 1000.0
    private let panelHeight = 260.0
    private let left = 70.0
    private let right = 70.0
    private let top = 40.0
    private let gap = 60.0
    private static let palette = [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    ]

    /// Creates a plot.
    public init(timeline: SoakTimeline, title: String) {
        self.timeline = timeline
        self.title = title
    }

    /// The SVG document.
    public func svg() -> String {
        let height = top + panelHeight * 2 + gap + 50
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
            font-family="sans-serif" font-size="11">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(left)" y="20" font-size="14">\(escaped(title))</text>

            """
        out += latencyPanel(y: top)
        out += memoryPanel(y: top + panelHeight + gap)
        out += "</svg>\n"
        return out
    }

    private var duration: Double {
        max(1, timeline.samples.last.map { seconds($0.at) } ?? 1)
    }

    private func x(_ time: Duration) -> Double {
        left + seconds(time) / duration * (width - left - right)
    }

    private func latencyPanel(y: Double) -> String {
        let samples = timeline.samples
        let maxLatency = max(1, samples.map { Double($0.p99Micros) / 1_000 }.max() ?? 1)
        let maxCalls = max(1, Double(samples.map(\.calls).max() ?? 1))
        func yLatency(_ ms: Double) -> Double { y + panelHeight - ms / maxLatency * panelHeight }
        func yCalls(_ calls: Double) -> Double { y + panelHeight - calls / maxCalls * panelHeight }
        var out = frame(y: y, label: "latency (ms): p50 blue, p99 orange; calls/s green (right axis); events red")
        out += axisLabels(y: y, leftMax: String(format: "%.1f ms", maxLatency), rightMax: "\(Int(maxCalls))/s")
        out += polyline(samples.map { (x($0.at), yLatency(Double($0.p50Micros) / 1_000)) }, color: Self.palette[0])
        out += polyline(samples.map { (x($0.at), yLatency(Double($0.p99Micros) / 1_000)) }, color: Self.palette[1])
        out += polyline(samples.map { (x($0.at), yCalls(Double($0.calls))) }, color: Self.palette[2])
        for event in timeline.events {
            let position = x(event.at)
            out += """
                <line x1="\(format(position))" y1="\(format(y))" x2="\(format(position))" y2="\(format(y + panelHeight))" \
                stroke="red" stroke-opacity="0.5"><title>\(escaped(event.text))</title></line>

                """
        }
        return out
    }

    private func memoryPanel(y: Double) -> String {
        let instances = Set(timeline.samples.flatMap(\.resident.keys)).sorted()
        let maxBytes = max(1, Double(timeline.samples.flatMap(\.resident.values).max() ?? 1))
        func yBytes(_ bytes: Double) -> Double { y + panelHeight - bytes / maxBytes * panelHeight }
        var out = frame(y: y, label: "resident memory (MiB) of each process (a restarted process is a new line)")
        out += axisLabels(y: y, leftMax: String(format: "%.0f MiB", maxBytes / 1_048_576), rightMax: "")
        for (index, instance) in instances.enumerated() {
            let color = Self.palette[index % Self.palette.count]
            let points = timeline.samples.compactMap { sample in
                sample.resident[instance].map { (x(sample.at), yBytes(Double($0))) }
            }
            out += polyline(points, color: color, title: instance)
        }
        return out
    }

    private func frame(y: Double, label: String) -> String {
        """
        <rect x="\(left)" y="\(format(y))" width="\(format(width - left - right))" height="\(format(panelHeight))" \
        fill="none" stroke="#999"/>
        <text x="\(left)" y="\(format(y - 6))">\(escaped(label))</text>
        <text x="\(left)" y="\(format(y + panelHeight + 14))">0 s</text>
        <text x="\(format(width - right - 40))" y="\(format(y + panelHeight + 14))">\(Int(duration)) s</text>

        """
    }

    private func axisLabels(y: Double, leftMax: String, rightMax: String) -> String {
        """
        <text x="4" y="\(format(y + 10))">\(escaped(leftMax))</text>
        <text x="4" y="\(format(y + panelHeight))">0</text>
        <text x="\(format(width - right + 4))" y="\(format(y + 10))">\(escaped(rightMax))</text>

        """
    }

    private func polyline(_ points: [(Double, Double)], color: String, title: String? = nil) -> String {
        guard !points.isEmpty else { return "" }
        let list = points.map { "\(format($0.0)),\(format($0.1))" }.joined(separator: " ")
        let tooltip = title.map { "<title>\(escaped($0))</title>" } ?? ""
        return
            "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.2\" points=\"\(list)\">\(tooltip)</polyline>\n"
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    private func format(_ value: Double) -> String { String(format: "%.1f", value) }

    private func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
