/// Every message and enum in a descriptor set, by full name, with its Swift and C names.
struct SchemaIndex {
    typealias File = Zrpc_Descriptor_FileDescriptorProto
    typealias Message = Zrpc_Descriptor_DescriptorProto
    typealias Enum = Zrpc_Descriptor_EnumDescriptorProto

    /// A message or enum type.
    struct TypeInfo {
        enum Kind {
            case message(Message)
            case enumeration(Enum)
        }

        /// Full proto name without the leading dot: `zrpc.test.Outer.Inner`.
        let fullName: String
        /// Fully qualified Swift name: `Zrpc_Test_Outer.Inner`.
        let swiftName: String
        /// protoc-c's struct or enum type: `Zrpc__Test__Outer__Inner`.
        let cTypeName: String
        /// protoc-c's function prefix: `zrpc__test__outer__inner`.
        let cFunctionPrefix: String
        /// The proto file that declares it.
        let file: String
        let kind: Kind

        var message: Message? {
            if case .message(let message) = kind { return message }
            return nil
        }

        var isMapEntry: Bool { message?.options?.mapEntry ?? false }

        /// The Swift case of an enum's value numbered 0 (its default).
        var enumDefaultCase: String? {
            guard case .enumeration(let enumeration) = kind else { return nil }
            let names = SwiftNaming.enumCaseNames(enumName: enumeration.name, valueNames: enumeration.value.map(\.name))
            return zip(enumeration.value, names).first { $0.0.number == 0 }?.1
        }
    }

    private(set) var types: [String: TypeInfo] = [:]

    init(files: [File]) {
        for file in files {
            let prefix = file.swiftTypePrefix
            let scope = file.package.isEmpty ? "" : file.package + "."
            for message in file.messageType {
                add(message, scope: scope, swiftScope: prefix, isTopLevel: true, file: file.name)
            }
            for enumeration in file.enumType {
                let name = prefix.isEmpty ? SwiftNaming.typeName(enumeration.name) : prefix + enumeration.name
                add(enumeration, scope: scope, swiftName: name, file: file.name)
            }
        }
    }

    /// The type a field's `type_name` (`.zrpc.test.Outer`) refers to.
    func type(named typeName: String) throws -> TypeInfo {
        let key = typeName.hasPrefix(".") ? String(typeName.dropFirst()) : typeName
        guard let info = types[key] else {
            throw GeneratorError("unknown type \(typeName) in the descriptor set")
        }
        return info
    }

    private mutating func add(_ message: Message, scope: String, swiftScope: String, isTopLevel: Bool, file: String) {
        let fullName = scope + message.name
        let swiftName =
            isTopLevel && !swiftScope.isEmpty
            ? swiftScope + message.name
            : (isTopLevel ? "" : swiftScope + ".") + SwiftNaming.typeName(message.name)
        types[fullName] = TypeInfo(
            fullName: fullName,
            swiftName: swiftName,
            cTypeName: CNaming.typeName(fullName: fullName),
            cFunctionPrefix: CNaming.functionPrefix(fullName: fullName),
            file: file,
            kind: .message(message)
        )
        for nested in message.nestedType {
            add(nested, scope: fullName + ".", swiftScope: swiftName, isTopLevel: false, file: file)
        }
        for enumeration in message.enumType {
            add(
                enumeration,
                scope: fullName + ".",
                swiftName: swiftName + "." + SwiftNaming.typeName(enumeration.name),
                file: file
            )
        }
    }

    private mutating func add(_ enumeration: Enum, scope: String, swiftName: String, file: String) {
        let fullName = scope + enumeration.name
        types[fullName] = TypeInfo(
            fullName: fullName,
            swiftName: swiftName,
            cTypeName: CNaming.typeName(fullName: fullName),
            cFunctionPrefix: CNaming.functionPrefix(fullName: fullName),
            file: file,
            kind: .enumeration(enumeration)
        )
    }
}
