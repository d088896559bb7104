import Testing

/// Suites that measure this process's memory, or make it grow by tens of megabytes: nested here, they
/// run one at a time, so one's burst never counts against another's bound. (Everything else still
/// runs beside them; what they measure allows for that.)
@Suite("Memory-sensitive suites, one at a time", .serialized)
enum MemorySensitiveTests {}
