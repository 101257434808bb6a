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
    @OptionGroup var normalizer: NormalizerArguments
    @Flag(help: "Do not delete control characters or map whitespace to spaces (clean_text=False).") var noCleanText =
        false
    @Flag(help: "Do not isolate CJK ideographs (handle_chinese_chars=False).") var noChineseChars = false
    @Flag(help: "Print [word, start, end] with byte offsets into the line.") var offsets = false
    @Flag(help: "Time the split instead of printing (MB/s on standard error).") var stats = false
    @Option(help: "With --stats: passes over the input.") var `repeat` = 5

    func validate() throws {
        var numbers = NumericOptions()
        numbers.check("repeat", self.repeat, .positive)
        try numbers.validate()
    }

    func run() throws {
        var options = normalizer.options
        options.cleanText = !noCleanText
        options.handleChineseChars = !noChineseChars
        try reportingErrors { try split(options: options) }
    }

    private func split(options: NormalizerOptions) throws {
        // FileHandle rather than Data(contentsOf:), which rejects non-regular files (/dev/null, pipes).
        guard let handle = input == "-" ? FileHandle.standardInput : FileHandle(forReadingAtPath: input) else {
            throw TokenizationError.input(path: input, detail: "cannot read input")
        }
        let data = handle.readDataToEndOfFile()
        let splitter = try BertTextSplitter(options: options)
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
