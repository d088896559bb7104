/// Finds message types that can contain themselves.
///
/// Two questions: must decoding walk a message's bytes before protobuf-c (to bound nesting and
/// merge repeated sub-messages), and does a singular field lead back to its own message (then
/// Swift needs a box, or the struct would have infinite size).
struct RecursionAnalysis {
    private var anyEdges: [String: [String]] = [:]
    private var singularEdges: [String: [String]] = [:]
    /// Messages with a field whose repeats on the wire merge: a singular message field or a
    /// oneof's message member.
    private var mergingMessages: Set<String> = []

    init(messages: [MessageModel]) {
        for message in messages {
            var any: [String] = []
            var singular: [String] = []
            for field in message.allFields {
                switch (field.shape, field.kind) {
                case (.singular, .message(let target)):
                    any.append(target.fullName)
                    singular.append(target.fullName)
                case (.map(let entry, _, _), _):
                    any.append(entry.fullName)
                case (.oneofMember, .message(let target)):
                    any.append(target.fullName)
                    mergingMessages.insert(message.info.fullName)
                case (_, .message(let target)):
                    any.append(target.fullName)
                default:
                    break
                }
            }
            anyEdges[message.info.fullName] = any
            singularEdges[message.info.fullName] = singular
            if !singular.isEmpty { mergingMessages.insert(message.info.fullName) }
        }
    }

    /// Whether `message` can be nested inside itself.
    func isRecursive(_ message: String) -> Bool {
        reaches(from: anyEdges[message] ?? [], to: message, edges: anyEdges)
    }

    /// Whether decoding `message` must walk its bytes first: some type reachable from it
    /// (itself included) has a singular message field or a oneof message member, whose repeats
    /// protobuf merges, or can
    /// contain itself, so that nesting has no bound of its own.
    func needsStructureScan(_ message: String) -> Bool {
        var stack = [message]
        var visited: Set<String> = []
        while let next = stack.popLast() {
            guard visited.insert(next).inserted else { continue }
            if mergingMessages.contains(next) || isRecursive(next) { return true }
            stack.append(contentsOf: anyEdges[next] ?? [])
        }
        return false
    }

    /// Whether a singular field of type `fieldType` in `message` must be boxed.
    func needsBox(fieldType: String, in message: String) -> Bool {
        fieldType == message || reaches(from: singularEdges[fieldType] ?? [], to: message, edges: singularEdges)
    }

    private func reaches(from start: [String], to target: String, edges: [String: [String]]) -> Bool {
        var stack = start
        var visited: Set<String> = []
        while let next = stack.popLast() {
            if next == target { return true }
            guard visited.insert(next).inserted else { continue }
            stack.append(contentsOf: edges[next] ?? [])
        }
        return false
    }
}
