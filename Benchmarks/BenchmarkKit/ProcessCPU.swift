#if canImport(Glibc)
    import Glibc
#endif

/// The CPU time this process has used so far, user and system, all threads, in seconds
/// (`getrusage(RUSAGE_SELF)`): beside a rate, CPU per message carries over between machines and
/// moves less with a busy machine than a rate does.
///
/// ```swift
/// let before = processCPUSeconds()
/// sendEverything()
/// let perMessage = (processCPUSeconds() - before) / Double(count)
/// ```
package func processCPUSeconds() -> Double {
    var usage = rusage()
    guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
    func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) * 1e-6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}
