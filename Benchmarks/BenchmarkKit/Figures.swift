import Foundation

/// The seconds in a duration.
///
/// ```swift
/// let elapsed = seconds(started.duration(to: .now))
/// ```
package func seconds(_ duration: Duration) -> Double {
    let (whole, attoseconds) = duration.components
    return Double(whole) + Double(attoseconds) * 1e-18
}

/// The median of `values` (the mean of the middle two for an even count), nil when empty.
///
/// ```swift
/// median([3, 1, 2])   // 2
/// ```
package func median(_ values: [Double]) -> Double? {
    guard !values.isEmpty else { return nil }
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// `value` with `decimals` decimals.
///
/// ```swift
/// format(0.456, 2)   // "0.46"
/// ```
package func format(_ value: Double, _ decimals: Int) -> String {
    String(format: "%.\(decimals)f", value)
}

/// A rate in millions (`1.23 M`) or thousands (`456 k`).
///
/// ```swift
/// formatRate(1_234_567)   // "1.23 M"
/// ```
package func formatRate(_ value: Double) -> String {
    value >= 1_000_000 ? "\(format(value / 1_000_000, 2)) M" : "\(format(value / 1_000, 0)) k"
}

/// A Markdown table row `| name | median | min–max |` of the rounds' `values`, each shown by
/// `show`; `n/a` when there are none.
///
/// ```swift
/// lines.append(medianRow("pipeline 64 B, ZRPC/raw", ratios) { format($0, 2) })
/// ```
package func medianRow(_ name: String, _ values: [Double], _ show: (Double) -> String) -> String {
    guard let middle = median(values), let low = values.min(), let high = values.max() else {
        return "| \(name) | n/a | |"
    }
    return "| \(name) | \(show(middle)) | \(show(low))–\(show(high)) |"
}

/// The head of a benchmark's Markdown report: its title, the command line, rounds and wall time,
/// and the header of the table of ``medianRow(_:_:_:)`` rows.
///
/// ```swift
/// var lines = reportHead(title: "queue-benchmark", commandLine: commandLine, rounds: 5, wallTime: elapsed)
/// lines.append(medianRow("pipeline 64 B, ZRPC/raw", ratios) { format($0, 2) })
/// ```
package func reportHead(title: String, commandLine: String, rounds: Int, wallTime: Duration) -> [String] {
    [
        "# \(title)",
        "",
        "`\(commandLine)`: \(rounds) round(s) of each; median (min–max over the rounds); "
            + "wall time \(Int(seconds(wallTime).rounded())) s.",
        "",
        "| measurement | median | min–max |",
        "|---|---:|---:|",
    ]
}
