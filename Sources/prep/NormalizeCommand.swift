import ArgumentParser
import Foundation
import Tokenization

struct NormalizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "normalize",
        abstract: "Print the normalized words of each input line (BertNormalizer + BertPreTokenizer).",
        discussion: """
            One text per \\n-terminated line; prints one JSON array of words per line, or with
            --offsets [word, start, end] triples (UTF-8 byte offsets into the line). With --stats
            nothing is printed; the split is timed (release builds only make sense) and reported.
            Words equal what HF tokenizers 0.23.3 BertPreTokenizer yields after BertNormalizer.
            """
    )

    @Option(help: "Input file, or - for standard input.") var input = "-"
    @Flag(help: "Keep case and accents (the reference's lowercase=False).") var noLowercase = false
    @Flag(help: "Do not delete control characters or map whitespace to spaces (clean_text=False).") var noCleanText = false
    @Flag(help: "Do not isolate CJK ideographs (handle_chinese_chars=False).") var noChineseChars = false
    @Option(help: "reference (identical to the pinned reference) or current (Unicode 15 via ICU).") var unicode = "reference"
    @Option(help: "Pre-normalization before the BERT normalizer: none, nfc or nfkc.") var normalization = "none"
    @Flag(help: "Print [word, start, end] with byte offsets into the line.") var offsets = false
    @Flag(help: "Time the split instead of printing (MB/s on standard error).") var stats = false
    @Option(help: "With --stats: passes over the input.") var `repeat` = 5

    func validate() throws {
        guard NormalizerOptions.UnicodeBehaviour(rawValue: unicode) != nil else { throw ValidationError("--unicode must be reference or current") }
        guard NormalizerOptions.PreNormalization(rawValue: normalization) != nil else { throw ValidationError("--normalization must be none, nfc or nfkc") }
        guard self.repeat >= 1 else { throw ValidationError("--repeat must be at least 1") }
    }

    func run() throws {
        var options = NormalizerOptions()
        options.lowercase = !noLowercase
        options.cleanText = !noCleanText
        options.handleChineseChars = !noChineseChars
        options.unicode = .init(rawValue: unicode)!
        options.preNormalization = .init(rawValue: normalization)!
        let data: Data
        do {
            data = input == "-" ? FileHandle.standardInput.readDataToEndOfFile()
                                : try Data(contentsOf: URL(fileURLWithPath: input))
        } catch {
            FileHandle.standardError.write(Data("error: cannot read \(input): \(error.localizedDescription)\n".utf8))
            throw ExitCode(2)
        }
        let splitter: BertTextSplitter
        do { splitter = try BertTextSplitter(options: options) } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let bytes = [UInt8](data)
        if stats {
            let report = NormalizerBenchmark.measure(splitter, text: bytes, passes: self.repeat)
            FileHandle.standardError.write(Data((report.description + "\n").utf8))
            return
        }
        var out = Data()
        var words = PreTokenizedText()
        bytes.withUnsafeBufferPointer { all in
            NormalizerBenchmark.forEachLine(all) { line in
                words.removeAll()
                splitter.split(line, into: &words)
                out.append(contentsOf: NormalizerBenchmark.json(words, offsets: offsets).utf8)
                out.append(0x0A)
                if out.count > 1 << 20 { FileHandle.standardOutput.write(out); out.removeAll(keepingCapacity: true) }
            }
        }
        FileHandle.standardOutput.write(out)
    }
}
