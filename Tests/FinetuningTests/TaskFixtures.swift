import Foundation
import Tokenization
import XCTest

@testable import Finetuning

/// Shared helpers: the bundled uncased vocabulary, scratch files, committed fixtures.
enum TaskFixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static let tokenizer: BertTokenizer = {
        let v = try! Vocabulary(path: packageRoot.appendingPathComponent("Vocab/bert-base-uncased/vocab.txt").path)
        return BertTokenizer(vocabulary: v)
    }()

    static func fixture(_ name: String) -> URL {
        Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil)!
    }

    /// Writes `bytes` to a fresh file named `name` in a temporary directory.
    static func write(_ bytes: [UInt8], name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ftdata-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    static func write(_ text: String, name: String) throws -> URL { try write(Array(text.utf8), name: name) }

    static func load(
        _ text: String, name: String = "task.tsv", options: TaskDataOptions = TaskDataOptions(),
        labelNames: [String]? = nil
    ) throws -> TaskDataset {
        try TaskDataset.load(write(text, name: name), options: options, tokenizer: tokenizer, labelNames: labelNames)
    }

    /// The error `body` throws, or a test failure.
    static func error(_ body: () throws -> Any, file: StaticString = #filePath, line: UInt = #line) -> TaskDataError? {
        do {
            _ = try body()
            XCTFail("no error", file: file, line: line)
        } catch let e as TaskDataError {
            return e
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
        }
        return nil
    }
}
