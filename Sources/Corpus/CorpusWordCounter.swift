import Foundation
import Tokenization

/// Counts the words of a corpus, the input of `WordPieceTrainer`: the inputs are read as
/// `prep tokenize` reads them (`DocumentChunker`: text, JSONL, .zst; invalid UTF-8 replaced
/// or refused) and every sentence goes through the same normalizer and BERT pre-tokenizer
/// (`BertTextSplitter`). Added tokens are not split out first: HF's trainer runs on a fresh
/// tokenizer that has none, so a literal "[CLS]" in the text counts as "[", "cls", "]".
///
/// Each worker thread counts into a table of its own; the tables are summed at the end, so
/// memory is one table per thread, each proportional to the distinct words.
struct CorpusWordCounter {
    var inputs: [String]
    /// `nil`: each input's format from its name (`.jsonl[.zst]` is JSONL, else text).
    var format: InputFormat? = nil
    var threads = 1
    var normalizer = NormalizerOptions()
    var onInvalid = InvalidUTF8Policy.replace
    var maxInvalidUTF8 = InvalidUTF8Threshold.defaultFraction
    var textFields = TextFields.default
    /// Work unit size (bytes of text); does not change the counts. Small, since up to
    /// 2 x threads + 1 chunks are in memory at once and nothing else here needs much.
    var chunkBytes = 256 << 10
    /// Called on the reading thread after each chunk with the input bytes read so far and the
    /// inputs' total size (compressed sizes for .zst).
    var progress: ((_ bytesRead: Int, _ totalBytes: Int) -> Void)? = nil

    init(inputs: [String]) { self.inputs = inputs }

    struct Result {
        var words: WordCountTable
        /// Input bytes read (compressed bytes for .zst).
        var inputBytes = 0
        var replacedInvalidUTF8 = 0
        /// Lines longer than the reader's limit, counted in pieces.
        var cutLines = 0
    }

    func run() throws -> Result {
        let totalBytes = try InputFiles.totalSize(of: inputs)
        let splitter = try BertTextSplitter(options: normalizer)
        let chunker = DocumentChunker(
            inputs: inputs, format: format, chunkBytes: chunkBytes, onInvalid: onInvalid,
            maxInvalidFraction: maxInvalidUTF8, textFields: textFields)
        let workers = WorkerList()
        let pipeline = OrderedPipeline<DocumentChunk, Int>(threads: threads) {
            let worker = WordCountingWorker(splitter: splitter)
            workers.add(worker)
            return { worker.count($0) }
        }
        var read = 0
        try pipeline.run(
            produce: { try chunker.next() },
            consume: { bytes in
                read += bytes
                progress?(read, totalBytes)
            })
        let all = workers.all
        let words = all[0].words
        for other in all.dropFirst() { words.merge(other.words) }
        return Result(
            words: words, inputBytes: chunker.consumedFileBytes,
            replacedInvalidUTF8: all.reduce(0) { $0 + $1.replaced }, cutLines: chunker.cutLines)
    }
}

/// One thread's share of the counting: its own splitter buffers and table.
final class WordCountingWorker {
    let splitter: BertTextSplitter
    let words = WordCountTable()
    private var split = PreTokenizedText()
    private var repaired: [UInt8] = []
    private(set) var replaced = 0

    init(splitter: BertTextSplitter) { self.splitter = splitter }

    /// Counts the words of every sentence of `chunk`; returns the input bytes it stands for.
    func count(_ chunk: DocumentChunk) -> Int {
        chunk.text.withUnsafeBufferPointer { text in
            var start = 0
            for end in chunk.sentenceEnds {
                let sentence = UnsafeBufferPointer(rebasing: text[start..<end])
                split.removeAll()
                if UTF8Repair.firstInvalidOffset(sentence) != nil {
                    // As the encoder does: one U+FFFD per maximal ill-formed subpart.
                    replaced += UTF8Repair.repair(sentence, into: &repaired)
                    repaired.withUnsafeBufferPointer { splitter.split($0, into: &split) }
                } else {
                    splitter.split(sentence, into: &split)
                }
                split.forEachWord { words.add($0) }
                start = end
            }
        }
        return chunk.inputBytes
    }
}

/// The workers of one run, registered from their own threads.
private final class WorkerList: @unchecked Sendable {
    private let lock = NSLock()
    private var workers: [WordCountingWorker] = []
    func add(_ worker: WordCountingWorker) { lock.lock(); workers.append(worker); lock.unlock() }
    var all: [WordCountingWorker] { lock.lock(); defer { lock.unlock() }; return workers }
}
