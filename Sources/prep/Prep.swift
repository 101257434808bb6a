import ArgumentParser
import Foundation
import Training

@main
struct Prep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prep",
        abstract: "Turn raw text into BERT pretraining data and train an encoder with an enhanced decoder.",
        subcommands: [
            NormalizeCommand.self,
            EncodeCommand.self,
            VocabCommand.self,
            TokenizeCommand.self,
            MaskCommand.self,
            MergeCommand.self,
            InspectCommand.self,
            VerifyCommand.self,
            StreamCommand.self,
            Train.self,
            Eval.self,
            Export.self,
            FinetuneCommand.self,
            PredictCommand.self,
            Compare.self,
        ]
    )

    /// The project's exit codes are 2 for bad input or usage and 1 for a failure while
    /// running; swift-argument-parser would answer usage errors with 64 (EX_USAGE).
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let json = PrepVersion.requested(arguments) {
            print(PrepVersion.line(json: json))
            return
        }
        if let refusal = RepeatedOptions.refusal(arguments, root: Prep.self) {
            FileHandle.standardError.write(Data("error: \(refusal)\n".utf8))
            Foundation.exit(2)
        }
        do {
            var command = try parseAsRoot()
            // Data preparation does no BLAS work: stop OpenBLAS's idle pool thread (it would spin
            // ~70 ms of a core, see `stopIdlePool`). The model commands keep it.
            if !(command is Train || command is Eval || command is Export || command is Compare) {
                BLASThreads.stopIdlePool()
            }
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                // One line, as every error of `prep`: ArgumentParser's first line, without the
                // usage summary it appends (`--help` has it).
                let message = fullMessage(for: error).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
                FileHandle.standardError.write(Data((message + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
