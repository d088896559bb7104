#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A stand-in for an `int`-returning C call: fails once for each code in `failures`, in order (setting
/// `errno` and returning `-1`, as libzmq and libc do), then returns `value`.
///
/// ```swift
/// var call = FakeCCall(failing: [EINTR], thenReturning: 7)
/// let result = try zmqCall("fake") { call() }  // .processed(7) after one retry
/// ```
struct FakeCCall {
    /// The `errno` values still to fail with, first one next.
    private var failures: [Int32]
    /// What the call returns once every failure is used up.
    private let value: Int32
    /// How many times the call ran.
    private(set) var calls = 0

    /// Creates a fake call.
    ///
    /// - Parameters:
    ///   - failures: The `errno` values to fail with, in order.
    ///   - value: What the call returns after the failures.
    init(failing failures: [Int32], thenReturning value: Int32 = 0) {
        self.failures = failures
        self.value = value
    }

    /// Runs the call once.
    mutating func callAsFunction() -> Int32 {
        calls += 1
        guard !failures.isEmpty else { return value }
        errno = failures.removeFirst()
        return -1
    }
}
