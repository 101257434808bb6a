// Two builds of one target. With -DFUZZING, coverage and AddressSanitizer (Scripts/fuzz) `main`
// hands the target chosen by DRBERT_FUZZ_TARGET to libFuzzer's driver. In a
// normal build this is a replay tool, `drbert-fuzz TARGET FILE...`, which runs the target over
// saved inputs (a crash found by the fuzzer, or the seed corpus) without the sanitizers.
import Foundation

#if FUZZING
    import CFuzzing

    private nonisolated(unsafe) var target = FuzzTarget.tokenize

    @main
    enum Fuzz {
        static func main() {
            let name = ProcessInfo.processInfo.environment["DRBERT_FUZZ_TARGET"] ?? ""
            guard let chosen = FuzzTarget(rawValue: name) else {
                let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
                FileHandle.standardError.write(Data("drbert-fuzz: set DRBERT_FUZZ_TARGET to one of \(names)\n".utf8))
                exit(2)
            }
            target = chosen
            var argc = CommandLine.argc
            var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
            exit(
                LLVMFuzzerRunDriver(&argc, &argv) { data, size in
                    target.run(UnsafeBufferPointer(start: data, count: size))
                    return 0
                })
        }
    }
#else
    @main
    enum Replay {
        static func main() {
            let arguments = CommandLine.arguments.dropFirst()
            guard let name = arguments.first, let target = FuzzTarget(rawValue: name), arguments.count >= 2 else {
                let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
                FileHandle.standardError.write(Data("usage: drbert-fuzz \(names) FILE...\n".utf8))
                exit(2)
            }
            var count = 0
            for path in arguments.dropFirst() {
                let files =
                    (try? FileManager.default.contentsOfDirectory(atPath: path))
                    .map { $0.sorted().map { (path as NSString).appendingPathComponent($0) } } ?? [path]
                for file in files {
                    guard let data = FileManager.default.contents(atPath: file) else { continue }
                    [UInt8](data).withUnsafeBufferPointer { target.run($0) }
                    count += 1
                }
            }
            print("\(name): \(count) input(s), no crash")
        }
    }
#endif
