extension Duration {
    /// The duration in whole milliseconds, rounded up (so a short positive wait never becomes "no wait"),
    /// or `nil` if it is negative or does not fit in an `Int64`.
    var roundedUpMilliseconds: Int64? {
        let (seconds, attoseconds) = components
        guard self >= .zero else { return nil }
        let attosecondsPerMillisecond: Int64 = 1_000_000_000_000_000
        let (wholeMilliseconds, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        guard !overflow else { return nil }
        var fraction = attoseconds / attosecondsPerMillisecond
        if attoseconds % attosecondsPerMillisecond != 0 {
            fraction += 1
        }
        let (total, overflowAdding) = wholeMilliseconds.addingReportingOverflow(fraction)
        return overflowAdding ? nil : total
    }
}
