import Foundation

/// The text of an authorization rules file, as ZRPCQueue's queue rules and ZRPCPubSub's topic rules
/// read it: one rule a line, `<pattern> <action> <key>…` (keys are Z85 CURVE public keys of 40
/// characters, separated by white space; none: nobody). A word starting with `#` that is not a key
/// starts a comment (Z85 has `#` in its alphabet). Lines for the same pattern and action add up.
package enum KeyRulesFile {
    /// The rules by action, then by pattern.
    package typealias Rules = [String: [String: Set<String>]]

    /// A line that is not a rule: its number (from 1). The caller names the file and its grammar;
    /// never the line's content, which may hold a mistyped secret.
    package struct BadLine: Error {
        package let line: Int
    }

    /// Reads `path`'s rules for `actions`.
    ///
    /// - Throws: The file's read error, or ``BadLine``.
    package static func read(_ path: String, actions: Set<String>) throws -> Rules {
        try parse(try String(contentsOfFile: path, encoding: .utf8), actions: actions)
    }

    /// The rules of `text` for `actions`.
    ///
    /// - Throws: ``BadLine`` for a line with an unknown action or a word after it that is not a key.
    package static func parse(_ text: String, actions: Set<String>) throws -> Rules {
        var rules: Rules = [:]
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let words = line.split(whereSeparator: \.isWhitespace).map(String.init)
                .prefix { !$0.hasPrefix("#") || $0.utf8.count == 40 }
            guard let pattern = words.first, !pattern.hasPrefix("#") else { continue }
            let keys = Set(words.dropFirst(2))
            guard words.count >= 2, actions.contains(words[1]), keys.allSatisfy({ $0.utf8.count == 40 }) else {
                throw BadLine(line: number + 1)
            }
            rules[words[1], default: [:]][pattern, default: []].formUnion(keys)
        }
        return rules
    }
}
