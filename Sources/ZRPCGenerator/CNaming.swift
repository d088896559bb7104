/// protoc-c's naming rules, so generated Swift refers to the C names protoc-c emitted.
///
/// These mirror protobuf-c 1.4's `c_helpers.cc`: `FullNameToC` for struct types,
/// `FullNameToLower` for functions and `FieldName` for struct members.
enum CNaming {
    /// The C struct or enum type for a full proto name (`my_pkg.Outer.inner_msg` → `MyPkg__Outer__InnerMsg`).
    static func typeName(fullName: String) -> String {
        pieces(fullName).map(toCamel).joined(separator: "__")
    }

    /// The lower-case prefix of a type's C functions (`my_pkg.HTTPRequest` → `my_pkg__httprequest`).
    static func functionPrefix(fullName: String) -> String {
        pieces(fullName).map(camelToLower).joined(separator: "__")
    }

    /// The struct member for a field (`cStr` → `cstr`, `default` → `default_`).
    static func fieldName(_ name: String) -> String {
        let lower = name.lowercased()
        return keywords.contains(lower) ? lower + "_" : lower
    }

    /// The member as Swift code spells it after a dot (`pointee.self` would be the struct itself).
    static func swiftMemberReference(_ cName: String) -> String {
        ["self", "init", "type", "protocol"].contains(cName) ? "`\(cName)`" : cName
    }

    private static func pieces(_ fullName: String) -> [String] {
        fullName.split(separator: ".").map(String.init)
    }

    private static func toCamel(_ name: String) -> String {
        var result = ""
        var nextIsUpper = true
        for character in name {
            if character == "_" {
                nextIsUpper = true
            } else if nextIsUpper {
                result.append(character.uppercased())
                nextIsUpper = false
            } else {
                result.append(character)
            }
        }
        return result
    }

    private static func camelToLower(_ name: String) -> String {
        var result = ""
        var wasUpper = true
        for character in name {
            let isUpper = character.isASCII && character.isUppercase
            if isUpper {
                if !wasUpper { result.append("_") }
                result.append(character.lowercased())
            } else {
                result.append(character)
            }
            wasUpper = isUpper
        }
        return result
    }

    /// C and C++ keywords protoc-c suffixes with `_` (its `kKeywordList`).
    private static let keywords: Set<String> = [
        "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break", "case",
        "catch", "char", "class", "compl", "const", "const_cast", "continue",
        "default", "delete", "do", "double", "dynamic_cast", "else", "enum",
        "explicit", "extern", "false", "float", "for", "friend", "goto", "if",
        "inline", "int", "long", "mutable", "namespace", "new", "not", "not_eq",
        "operator", "or", "or_eq", "private", "protected", "public", "register",
        "reinterpret_cast", "return", "short", "signed", "sizeof", "static",
        "static_cast", "struct", "switch", "template", "this", "throw", "true", "try",
        "typedef", "typeid", "typename", "union", "unsigned", "using", "virtual",
        "void", "volatile", "wchar_t", "while", "xor", "xor_eq",
    ]
}
