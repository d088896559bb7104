import ConformanceMessages
import ProtobufC

/// SplitMix64: a small deterministic generator, so a failing seed can be replayed.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed &+ 0x9E37_79B9_7F4A_7C15
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random messages with every field kind, and the values that have tripped implementations up:
/// NaN, ±0.0, infinities, extreme integers, strings whose bytes differ where Swift's `String`
/// calls them equal, empty and absent sub-messages.
enum RandomMessages {
    typealias AllTypes = Fixtures.AllTypes
    typealias Nested = Fixtures.Nested

    static func allTypes(_ random: inout SeededRandom) -> AllTypes {
        var message = AllTypes()
        message.fDouble = double(&random)
        message.fFloat = float(&random)
        message.fInt64 = integer(&random)
        message.fUint64 = integer(&random)
        message.fInt32 = integer(&random)
        message.fFixed64 = integer(&random)
        message.fFixed32 = integer(&random)
        message.fBool = .random(using: &random)
        message.fString = string(&random)
        message.fBytes = bytes(&random)
        message.fUint32 = integer(&random)
        message.fSfixed32 = integer(&random)
        message.fSfixed64 = integer(&random)
        message.fSint32 = integer(&random)
        message.fSint64 = integer(&random)
        message.fEnum = color(&random)
        message.fNested = maybe(&random) { nested(&$0) }
        message.fImported = maybe(&random) { .init(key: string(&$0)) }
        message.fImportedEnum = .init(rawValue: Int32.random(in: -1...3, using: &random))
        message.rDouble = list(&random) { double(&$0) }
        message.rFloat = list(&random) { float(&$0) }
        message.rInt64 = list(&random) { integer(&$0) }
        message.rUint64 = list(&random) { integer(&$0) }
        message.rInt32 = list(&random) { integer(&$0) }
        message.rFixed64 = list(&random) { integer(&$0) }
        message.rFixed32 = list(&random) { integer(&$0) }
        message.rBool = list(&random) { .random(using: &$0) }
        message.rString = list(&random) { string(&$0) }
        message.rBytes = list(&random) { bytes(&$0) }
        message.rUint32 = list(&random) { integer(&$0) }
        message.rSfixed32 = list(&random) { integer(&$0) }
        message.rSfixed64 = list(&random) { integer(&$0) }
        message.rSint32 = list(&random) { integer(&$0) }
        message.rSint64 = list(&random) { integer(&$0) }
        message.rEnum = list(&random) { color(&$0) }
        message.rNested = list(&random) { nested(&$0) }
        message.uInt32 = list(&random) { integer(&$0) }
        message.uSint64 = list(&random) { integer(&$0) }
        message.uEnum = list(&random) { color(&$0) }
        message.uBool = list(&random) { .random(using: &$0) }
        message.uDouble = list(&random) { double(&$0) }
        message.mStringInt32 = map(&random) { (string(&$0), integer(&$0)) }
        message.mInt32String = map(&random) { (integer(&$0), string(&$0)) }
        message.mInt64Enum = map(&random) { (integer(&$0), color(&$0)) }
        message.mUint32Bytes = map(&random) { (integer(&$0), bytes(&$0)) }
        message.mBoolNested = map(&random) { (.random(using: &$0), nested(&$0)) }
        message.mSint64Double = map(&random) { (integer(&$0), double(&$0)) }
        message.mFixed32Tag = map(&random) { (integer(&$0), .init(key: string(&$0))) }
        switch Int.random(in: 0..<7, using: &random) {
        case 0: message.choice = .cInt32(integer(&random))
        case 1: message.choice = .cString(string(&random))
        case 2: message.choice = .cBytes(bytes(&random))
        case 3: message.choice = .cEnum(color(&random))
        case 4: message.choice = .cNested(nested(&random))
        case 5: message.choice = .cBool(.random(using: &random))
        default: message.choice = nil
        }
        message.default = integer(&random)
        message.class = string(&random)
        message.fMaxNumber = integer(&random)
        return message
    }

    /// `second` without the map entries whose keys `first` has too.
    static func withoutKeys(of first: AllTypes, in second: AllTypes) -> AllTypes {
        var second = second
        for key in first.mStringInt32.keys { second.mStringInt32[key] = nil }
        for key in first.mInt32String.keys { second.mInt32String[key] = nil }
        for key in first.mInt64Enum.keys { second.mInt64Enum[key] = nil }
        for key in first.mUint32Bytes.keys { second.mUint32Bytes[key] = nil }
        for key in first.mBoolNested.keys { second.mBoolNested[key] = nil }
        for key in first.mSint64Double.keys { second.mSint64Double[key] = nil }
        for key in first.mFixed32Tag.keys { second.mFixed32Tag[key] = nil }
        return second
    }

    /// A random tree; every key of its `named` maps starts with `keyPrefix`.
    static func tree(_ random: inout SeededRandom, depth: Int, keyPrefix: String = "") -> Zrpc_Test_TreeNode {
        var node = Zrpc_Test_TreeNode(label: string(&random))
        guard depth > 0 else { return node }
        let subtree = { (random: inout SeededRandom, depth: Int) in tree(&random, depth: depth, keyPrefix: keyPrefix) }
        if Bool.random(using: &random) { node.left = subtree(&random, depth - 1) }
        if Bool.random(using: &random) { node.right = subtree(&random, depth - 1) }
        node.children = (0..<Int.random(in: 0...2, using: &random)).map { _ in subtree(&random, depth - 2) }
        if Bool.random(using: &random) { node.named[keyPrefix + string(&random)] = subtree(&random, depth - 2) }
        switch Int.random(in: 0..<3, using: &random) {
        case 0: node.extra = .alternate(subtree(&random, depth - 3))
        case 1: node.extra = .weight(integer(&random))
        default: break
        }
        return node
    }

    static func nested(_ random: inout SeededRandom) -> Nested {
        Nested(
            a: integer(&random),
            b: string(&random),
            inner: maybe(&random) {
                .init(kind: .init(rawValue: Int32.random(in: 0...2, using: &$0)), notes: list(&$0) { string(&$0) })
            }
        )
    }

    static func string(_ random: inout SeededRandom) -> String {
        switch Int.random(in: 0..<8, using: &random) {
        case 0: return "\u{E9}"  // é, one code point
        case 1: return "e\u{301}"  // e + combining acute: equal to the above for Swift, not on the wire
        default:
            let alphabet: [Unicode.Scalar] = [
                "a", "b", "c", "X", "0", " ", "_", "\u{E9}", "e", "\u{301}", "✓", "🙂", "\n", "\t", "\"", "\\",
            ]
            var scalars = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...12, using: &random) {
                scalars.append(alphabet[Int.random(in: 0..<alphabet.count, using: &random)])
            }
            return String(scalars)
        }
    }

    static func bytes(_ random: inout SeededRandom) -> [UInt8] {
        (0..<Int.random(in: 0...16, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
    }

    static func double(_ random: inout SeededRandom) -> Double {
        let specials: [Double] = [
            0, -0.0, .nan, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
        ]
        return Int.random(in: 0..<3, using: &random) == 0
            ? specials[Int.random(in: 0..<specials.count, using: &random)]
            : .random(in: -1e12...1e12, using: &random)
    }

    static func float(_ random: inout SeededRandom) -> Float {
        let specials: [Float] = [
            0, -0.0, .nan, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
        ]
        return Int.random(in: 0..<3, using: &random) == 0
            ? specials[Int.random(in: 0..<specials.count, using: &random)]
            : .random(in: -1e6...1e6, using: &random)
    }

    static func integer<Value: FixedWidthInteger>(_ random: inout SeededRandom) -> Value {
        switch Int.random(in: 0..<4, using: &random) {
        case 0: [Value.min, .max, 0][Int.random(in: 0..<3, using: &random)]
        case 1: Value(truncatingIfNeeded: Int.random(in: -300...300, using: &random))
        default: .random(in: .min ... .max, using: &random)
        }
    }

    static func color(_ random: inout SeededRandom) -> Zrpc_Test_Color {
        Zrpc_Test_Color(rawValue: [0, 1, 2, -3, 99][Int.random(in: 0..<5, using: &random)])
    }

    static func list<T>(_ random: inout SeededRandom, _ make: (inout SeededRandom) -> T) -> [T] {
        (0..<Int.random(in: 0...4, using: &random)).map { _ in make(&random) }
    }

    static func map<Key, Value>(
        _ random: inout SeededRandom,
        _ make: (inout SeededRandom) -> (Key, Value)
    ) -> ProtobufMap<Key, Value> {
        var map = ProtobufMap<Key, Value>()
        for _ in 0..<Int.random(in: 0...4, using: &random) {
            let (key, value) = make(&random)
            map[key] = value
        }
        return map
    }

    static func maybe<T>(_ random: inout SeededRandom, _ make: (inout SeededRandom) -> T) -> T? {
        Bool.random(using: &random) ? make(&random) : nil
    }
}
