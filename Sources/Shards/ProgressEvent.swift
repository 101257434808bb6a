/// How far a long job has come: `completed` of `total` `unit`s.
///
/// Libraries only emit these, through a plain callback, and never draw anything: whether and
/// how progress is shown (a terminal line, JSON lines, nothing when piped) is the caller's
/// business (`prep` renders them in one place). Defined here, the bottom of the data modules,
/// so that every stage spells progress the same way.
public struct ProgressEvent: Sendable, Equatable {
    public enum Unit: String, Sendable {
        case bytes, documents, batches, steps
    }

    public var completed: Int
    public var total: Int
    public var unit: Unit

    public init(completed: Int, total: Int, unit: Unit) {
        self.completed = completed; self.total = total; self.unit = unit
    }
}
