/// One fuzz target: a name for `Scripts/fuzz.sh` and the function libFuzzer calls with each input.
///
/// The same functions run in the plain test build (FuzzRegressionTests), over the committed corpus
/// and every input that once crashed, so each crash found stays a test.
///
/// ```swift
/// let target = FuzzTarget.named("rpc-message")
/// [UInt8]([2, 0, 0]).withUnsafeBytes { target?.run($0) }
/// ```
package struct FuzzTarget: Sendable {
    /// The name `Scripts/fuzz.sh` and the corpus folders use (`Fuzz/Corpus/<name>/`).
    package let name: String
    /// What the target feeds to which parser.
    package let summary: String
    /// Runs one input; returns normally for any input the parsers refuse, traps on a finding.
    package let run: @Sendable (UnsafeRawBufferPointer) -> Void

    /// Every target.
    package static let all: [FuzzTarget] = [.rpcMessage, .envelopes, .messages]

    /// The target called `name`, if there is one.
    ///
    /// - Parameter name: A target's ``name``.
    package static func named(_ name: String) -> FuzzTarget? {
        all.first { $0.name == name }
    }
}
