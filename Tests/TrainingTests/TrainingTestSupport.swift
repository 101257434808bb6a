import Foundation
import XCTest
@testable import Training

extension XCTestCase {
    /// A fresh path `<tmp><prefix>-<uuid><suffix>` (not created), removed when the test ends.
    func temporaryPath(_ prefix: String, suffix: String = "") -> String {
        let p = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString)\(suffix)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: p) }
        return p
    }
}

extension ModelConfig {
    /// The small model the trainer tests run (vocabulary 40, two 32-wide layers).
    static let trainerTest: ModelConfig = {
        var c = ModelConfig(
            vocabSize: 40, hiddenSize: 32, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 64)
        c.maxPositionEmbeddings = 32
        return c
    }()
}
