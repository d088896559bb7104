/// How proto names become idiomatic Swift names.
enum SwiftNaming {
    /// The type prefix for a file: `swift_prefix` when set, else the package in UpperCamel
    /// pieces joined by `_` (`zrpc.test` → `Zrpc_Test_`), as swift-protobuf does.
    static func typePrefix(package: String, swiftPrefix: String?) -> String {
        if let swiftPrefix { return swiftPrefix }
        guard !package.isEmpty else { return "" }
        return package.split(separator: ".").map { upperCamel(String($0)) }.joined(separator: "_") + "_"
    }

    /// A nested type name: the proto name, made safe where it would clash with Swift.
    static func typeName(_ protoName: String) -> String {
        reservedTypeNames.contains(protoName) ? protoName + "Message" : protoName
    }

    /// `snake_case` (or `camelCase`) → `lowerCamelCase`, escaped with backticks when a keyword.
    static func memberName(_ protoName: String) -> String {
        let name = lowerCamel(protoName)
        return unusableMemberNames.contains(name) ? name + "_" : escaped(name)
    }

    /// Names that even backticks cannot make ordinary members (`x.self` is `x` itself).
    private static let unusableMemberNames: Set<String> = ["self", "init", "super", "deinit", "subscript"]

    /// `snake_case` → `UpperCamelCase` (for oneof enums).
    static func upperCamel(_ protoName: String) -> String {
        let pieces = protoName.split(separator: "_", omittingEmptySubsequences: true)
        let joined = pieces.map { piece in piece.prefix(1).uppercased() + piece.dropFirst() }.joined()
        return joined.first?.isNumber == true ? "_" + joined : joined
    }

    /// `snake_case` → `lowerCamelCase`, unescaped.
    static func lowerCamel(_ protoName: String) -> String {
        let pieces = protoName.split(separator: "_", omittingEmptySubsequences: true).map(String.init)
        guard let first = pieces.first else { return "_" }
        var result = lowercasedLeadingRun(first)
        for piece in pieces.dropFirst() {
            result +=
                acronyms.contains(piece.lowercased())
                ? piece.uppercased() : piece.prefix(1).uppercased() + piece.dropFirst()
        }
        return result.first?.isNumber == true ? "_" + result : result
    }

    /// Enum value names: the enum's prefix stripped (`COLOR_DARK_RED` in `Color` → `darkRed`).
    static func enumCaseNames(enumName: String, valueNames: [String]) -> [String] {
        let prefix = enumName.filter { $0 != "_" }.uppercased()
        let stripped = valueNames.map { name -> String? in
            var remainder = Substring(name)
            var matched = ""
            while let character = remainder.first, matched.count < prefix.count {
                remainder = remainder.dropFirst()
                if character != "_" { matched.append(Character(character.uppercased())) }
            }
            guard matched == prefix, remainder.first == "_" else { return nil }
            let rest = remainder.drop { $0 == "_" }
            guard let first = rest.first, !first.isNumber else { return nil }
            return String(rest)
        }
        let candidates = zip(valueNames, stripped).map { lowerCamel(($1 ?? $0).lowercased()) }
        let unique = Set(candidates).count == candidates.count
        return zip(valueNames, candidates).map { name, candidate in
            var swiftName = unique ? candidate : lowerCamel(name.lowercased())
            if swiftName == "unrecognized" { swiftName = "unrecognizedValue" }
            return escaped(swiftName)
        }
    }

    /// Wraps Swift keywords in backticks.
    static func escaped(_ name: String) -> String {
        keywords.contains(name) ? "`\(name)`" : name
    }

    /// "URL" → "url", "HTTPServer" → "httpServer", "Foo" → "foo", "foo" → "foo".
    private static func lowercasedLeadingRun(_ piece: String) -> String {
        let characters = Array(piece)
        let upperRun = characters.prefix { $0.isUppercase }.count
        if upperRun == characters.count { return piece.lowercased() }
        let lowered = max(upperRun - 1, 1)
        return String(characters[..<lowered]).lowercased() + String(characters[lowered...])
    }

    /// Pieces written in capitals after the first, as Swift's API guidelines ask (`call_id` → `callID`).
    private static let acronyms: Set<String> = [
        "id", "url", "uri", "uuid", "http", "https", "json", "xml", "html", "api", "ip", "tcp", "udp", "tls", "ssl",
        "rpc", "sql", "db", "cpu",
    ]

    private static let reservedTypeNames: Set<String> = [
        "Type", "Protocol", "Self", "Any", "Sendable", "Hashable", "Equatable",
    ]

    private static let keywords: Set<String> = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init",
        "inout", "internal", "let", "open", "operator", "private", "precedencegroup", "protocol", "public",
        "rethrows", "static", "struct", "subscript", "typealias", "var", "break", "case", "catch", "continue",
        "default", "defer", "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return",
        "throw", "switch", "where", "while", "as", "false", "is", "nil", "self", "Self", "super", "throws",
        "true", "try", "Any", "Type", "Protocol", "await", "some", "any", "consume", "copy", "borrowing",
        "consuming", "sending",
    ]
}

extension Zrpc_Descriptor_FileDescriptorProto {
    /// The prefix of this file's top-level Swift type names (see ``SwiftNaming/typePrefix(package:swiftPrefix:)``).
    var swiftTypePrefix: String {
        if case .swiftPrefix(let prefix)? = options?.swiftPrefixPresence {
            return SwiftNaming.typePrefix(package: package, swiftPrefix: prefix)
        }
        return SwiftNaming.typePrefix(package: package, swiftPrefix: nil)
    }
}
