/// Accumulates generated source text with indentation.
struct CodeWriter {
    private(set) var text = ""
    private var indentation = 0

    /// Appends one line at the current indentation (an empty string gives a blank line).
    mutating func line(_ line: String = "") {
        if line.isEmpty {
            text += "\n"
        } else {
            text += String(repeating: "    ", count: indentation) + line + "\n"
        }
    }

    /// Appends `opening`, the body one level deeper, then `closing`.
    mutating func block(_ opening: String, closing: String = "}", _ body: (inout CodeWriter) throws -> Void) rethrows {
        line(opening)
        indentation += 1
        try body(&self)
        indentation -= 1
        line(closing)
    }

    /// Appends the lines `body` writes one level deeper.
    mutating func indented(_ body: (inout CodeWriter) throws -> Void) rethrows {
        indentation += 1
        try body(&self)
        indentation -= 1
    }

    /// Appends a `///` doc comment, one line per element.
    mutating func doc(_ lines: String...) {
        for text in lines {
            line(text.isEmpty ? "///" : "/// " + text)
        }
    }
}
