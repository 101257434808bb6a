import ArgumentParser

/// Parse-time checks of numeric options, shared by every command: a value must be finite and
/// inside its range, or the command stops before writing anything, with one line naming each
/// bad option (ArgumentParser accepts `nan`, `inf` and `-1` for any `Float`/`Double`/`Int`).
struct NumericOptions {
    /// The ranges options take.
    enum Range {
        /// > 0
        case positive
        /// ≥ 0
        case nonNegative
        /// (0, 1]: a share that must select something (`--masked-lm-prob`).
        case openUnit
        /// [0, 1]: a probability.
        case probability
        /// [0, 1): a dropout-like share that must leave something.
        case belowOne
        /// ≥ the bound (integers: `--max-length` ≥ 2).
        case atLeast(Double)
        /// In the closed range.
        case within(Double, Double)

        func contains(_ v: Double) -> Bool {
            switch self {
            case .positive: return v > 0
            case .nonNegative: return v >= 0
            case .openUnit: return v > 0 && v <= 1
            case .probability: return v >= 0 && v <= 1
            case .belowOne: return v >= 0 && v < 1
            case .atLeast(let b): return v >= b
            case .within(let a, let b): return v >= a && v <= b
            }
        }

        var spelling: String {
            switch self {
            case .positive: return "> 0"
            case .nonNegative: return "≥ 0"
            case .openUnit: return "in (0, 1]"
            case .probability: return "in [0, 1]"
            case .belowOne: return "in [0, 1)"
            case .atLeast(let b): return "≥ \(Self.spell(b))"
            case .within(let a, let b): return "in \(Self.spell(a))...\(Self.spell(b))"
            }
        }

        private static func spell(_ b: Double) -> String {
            b == b.rounded() && abs(b) < 1e15 ? String(Int(b)) : String(b)
        }
    }

    private(set) var problems: [String] = []

    init() {}

    /// Checks `--name value` (nil: not given, nothing to check).
    mutating func check<F: BinaryFloatingPoint>(_ name: String, _ value: F?, _ range: Range) {
        guard let value else { return }
        let v = Double(value)
        if !v.isFinite {
            problems.append("--\(name) must be a finite number \(range.spelling), got \(v)")
        } else if !range.contains(v) {
            problems.append("--\(name) must be \(range.spelling), got \(v)")
        }
    }

    mutating func check<I: BinaryInteger>(_ name: String, _ value: I?, _ range: Range) {
        guard let value else { return }
        if !range.contains(Double(value)) { problems.append("--\(name) must be \(range.spelling), got \(value)") }
    }

    /// Adds a problem found by other means, so all are reported together.
    mutating func add(_ problem: String) { problems.append(problem) }

    /// Throws one `ValidationError` (exit status 2) listing every problem, if any.
    func validate() throws {
        guard problems.isEmpty else { throw ValidationError(problems.joined(separator: "; ")) }
    }
}
