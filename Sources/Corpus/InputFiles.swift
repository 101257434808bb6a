import Foundation
import Tokenization

/// Facts about a job's input files that every corpus job checks before it reads them.
enum InputFiles {
    /// Total size of the inputs in bytes (for progress and rates); throws
    /// `TokenizationError.input` naming the first input that is missing or unreadable.
    static func totalSize(of inputs: [String]) throws -> Int {
        var total = 0
        for input in inputs {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: input) else {
                throw TokenizationError.input(
                    path: input,
                    detail: FileManager.default.fileExists(atPath: input) ? "cannot read input" : "input file not found"
                )
            }
            total += (attributes[.size] as? Int) ?? 0
        }
        return total
    }
}
