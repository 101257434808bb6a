/// A task file that cannot be used. Every case prints as one line naming the file and, where
/// there is one, the 1-based line (and column), so `prep` can print it and exit 2.
public struct TaskDataError: Error, CustomStringConvertible, Equatable, Sendable {
    public let path: String
    /// 1-based line, or nil for an error about the whole file.
    public let line: Int?
    /// 1-based column (a TSV field number or a byte column), when it helps.
    public let column: Int?
    public let detail: String

    public init(path: String, line: Int? = nil, column: Int? = nil, detail: String) {
        self.path = path
        self.line = line
        self.column = column
        self.detail = detail
    }

    public var description: String {
        var s = path
        if let line { s += ":\(line)" }
        if let column { s += ":\(column)" }
        return s + ": " + detail
    }

    /// Bad input, by the CLI's convention.
    public var exitCode: Int32 { 2 }
}
