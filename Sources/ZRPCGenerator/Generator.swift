import Foundation

/// zrpc-gen's engine: `.proto` files in, protoc-c C code and Swift code out.
///
/// ```swift
/// let options = try GeneratorOptions(arguments: CommandLine.arguments.dropFirst().map { $0 })
/// let files = try Generator(options: options).generate()
/// try Generator.write(files)
/// ```
public struct Generator {
    /// One output file.
    public struct OutputFile: Equatable, Sendable {
        /// Where it goes (the output folder joined with its relative path).
        public var path: String
        /// Its contents.
        public var contents: String
    }

    let options: GeneratorOptions

    /// Creates a generator.
    ///
    /// - Parameter options: What to generate and where.
    public init(options: GeneratorOptions) {
        self.options = options
    }

    /// Runs protoc-c and produces every output file, without writing anything.
    ///
    /// - Throws: ``GeneratorError`` with a message for the person who ran zrpc-gen.
    public func generate() throws -> [OutputFile] {
        let files = try options.files.map(resolve)
        let work = try TemporaryDirectory()
        defer { work.remove() }
        let protoc = ProtocC(executable: options.protocC, protoPaths: try protoPaths(work: work.path))

        let setBytes = try protoc.descriptorSet(for: files, in: work.path)
        let set: Zrpc_Descriptor_FileDescriptorSet
        do {
            set = try Zrpc_Descriptor_FileDescriptorSet(
                serializedBytes: setBytes,
                limits: .init(maxMessageBytes: 64 << 20, allocationBudget: 1 << 30)
            )
        } catch {
            throw GeneratorError("could not decode protoc-c's descriptor set: \(error)")
        }
        let generated = set.file.filter { !OptionsProto.declaresOnlyOptions($0.name) }
        for file in generated { try checkSupported(file) }

        var outputs: [OutputFile] = []
        if options.emit != .services && !options.cOut.isEmpty {
            let cFiles = try protoc.cCode(for: generated.map(\.name), in: work.path)
            outputs = cFiles.map {
                OutputFile(path: join(options.cOut, $0.path), contents: Self.withoutOptionIncludes($0.contents))
            }
            outputs.append(moduleMap())
        }
        guard !options.swiftOut.isEmpty else { return outputs }

        let index = SchemaIndex(files: set.file)
        var models: [String: MessageModel] = [:]
        for file in set.file {
            for info in Self.messages(in: file, index: index) {
                models[info.fullName] = try MessageModel(info: info, index: index, file: file.name)
            }
        }
        let analysis = RecursionAnalysis(messages: Array(models.values))
        for (name, var model) in models {
            model.needsStructureScan = analysis.needsStructureScan(name)
            let markBoxed = { (field: FieldModel) -> FieldModel in
                var field = field
                if case .message(let target) = field.kind {
                    field.isBoxed = analysis.needsBox(fieldType: target.fullName, in: name)
                }
                return field
            }
            model.fields = model.fields.map { field in
                guard case .singular = field.shape else { return field }
                return markBoxed(field)
            }
            for index in model.oneofs.indices {
                model.oneofs[index].members = model.oneofs[index].members.map(markBoxed)
            }
            models[name] = model
        }
        if options.emit != .messages {
            try EventsService.checkTopics(
                generated.flatMap { file in
                    try file.service.filter(\.isEventsService).map {
                        try EventsService(service: $0, file: file, index: index)
                    }
                }
            )
        }
        let access = options.access == "internal" ? "" : options.access + " "
        for file in generated where options.emit != .services || !file.service.isEmpty {
            let emitter = SwiftEmitter(file: file, index: index, models: models, options: options, access: access)
            let suffix = options.emit == .services ? ".services.zrpc.swift" : ".zrpc.swift"
            let name = String(file.name.dropLast(".proto".count)) + suffix
            outputs.append(OutputFile(path: join(options.swiftOut, name), contents: try emitter.emit()))
        }
        return outputs
    }

    /// Writes files, creating folders; a file whose contents are unchanged is left alone.
    ///
    /// - Parameter files: What ``generate()`` returned.
    public static func write(_ files: [OutputFile]) throws {
        let manager = FileManager.default
        for file in files {
            let url = URL(fileURLWithPath: file.path)
            if let existing = try? String(contentsOf: url, encoding: .utf8), existing == file.contents { continue }
            try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try file.contents.write(to: url, atomically: true, encoding: .utf8)
        }
    }

    /// Every message type declared in a file, nested ones included.
    static func messages(in file: SchemaIndex.File, index: SchemaIndex) -> [SchemaIndex.TypeInfo] {
        var result: [SchemaIndex.TypeInfo] = []
        func visit(_ message: SchemaIndex.Message, scope: String) {
            let fullName = scope + message.name
            if let info = try? index.type(named: fullName) { result.append(info) }
            for nested in message.nestedType { visit(nested, scope: fullName + ".") }
        }
        for message in file.messageType { visit(message, scope: file.package.isEmpty ? "" : file.package + ".") }
        return result
    }

    /// The proto paths protoc-c searches: the user's, then (unless one of them has its own) a
    /// folder holding zrpc-gen's copy of `zrpc/options.proto`.
    private func protoPaths(work: String) throws -> [String] {
        if options.protoPaths.contains(where: { FileManager.default.fileExists(atPath: join($0, OptionsProto.path)) }) {
            return options.protoPaths
        }
        let folder = join(work, "zrpc-gen-include")
        let file = join(folder, OptionsProto.path)
        try FileManager.default.createDirectory(
            atPath: (file as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        try OptionsProto.text.write(toFile: file, atomically: true, encoding: .utf8)
        return options.protoPaths + [folder]
    }

    /// protoc-c's C without the `#include` of headers for options-only imports: zrpc-gen writes
    /// no C for those, and nothing in the generated C refers to them.
    static func withoutOptionIncludes(_ contents: String) -> String {
        guard contents.contains("#include \"zrpc/options.pb-c.h\"") || contents.contains("#include \"google/protobuf/")
        else { return contents }
        return contents.split(separator: "\n", omittingEmptySubsequences: false).filter { line in
            guard line.hasPrefix("#include \""), line.hasSuffix(".pb-c.h\"") else { return true }
            let header = line.dropFirst("#include \"".count).dropLast(".pb-c.h\"".count)
            return !OptionsProto.declaresOnlyOptions(header + ".proto")
        }.joined(separator: "\n")
    }

    private func resolve(_ file: String) throws -> String {
        let manager = FileManager.default
        guard file.hasSuffix(".proto") else { throw GeneratorError("\(file): not a .proto file") }
        for path in options.protoPaths {
            if manager.fileExists(atPath: join(path, file)) { return file }
            let prefix = path.hasSuffix("/") ? path : path + "/"
            if file.hasPrefix(prefix), manager.fileExists(atPath: file) { return String(file.dropFirst(prefix.count)) }
        }
        throw GeneratorError("\(file): no such file in --proto-path \(options.protoPaths.joined(separator: ", "))")
    }

    private func checkSupported(_ file: SchemaIndex.File) throws {
        guard file.syntax == "proto3" else {
            throw GeneratorError(
                "\(file.name): proto2 is not supported (zrpc-gen maps proto3 only); put `syntax = \"proto3\";` at the top"
            )
        }
        if !file.extension.isEmpty || Self.hasExtensions(file.messageType) {
            throw GeneratorError("\(file.name): extensions are not supported by zrpc-gen")
        }
    }

    private static func hasExtensions(_ messages: [SchemaIndex.Message]) -> Bool {
        messages.contains { !$0.extension.isEmpty || hasExtensions($0.nestedType) }
    }

    /// The C target's module map: one module over every header in `include/` (an umbrella
    /// folder), so several zrpc-gen runs (say, with different `--access`) can share one C target.
    private func moduleMap() -> OutputFile {
        let text = """
            // DO NOT EDIT. Generated by zrpc-gen for the \(options.cModule) C target: every header under include/.
            module \(options.cModule) {
                umbrella "."
                export *
            }

            """
        return OutputFile(path: join(options.cOut, "include/module.modulemap"), contents: text)
    }
}

func join(_ folder: String, _ path: String) -> String {
    folder.hasSuffix("/") ? folder + path : folder + "/" + path
}
