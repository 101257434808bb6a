import ArgumentParser
import Foundation

@main
struct Prep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prep",
        abstract: "Turn raw text into BERT pretraining data and train an encoder with an enhanced decoder.",
        subcommands: [
            NormalizeCommand.self,
            EncodeCommand.self,
            TokenizeCommand.self,
            MaskCommand.self,
            InspectCommand.self,
            VerifyCommand.self,
            StreamCommand.self,
            Train.self,
            Eval.self,
            Export.self,
            Compare.self,
        ]
    )

    /// The project's exit codes are 2 for bad input or usage and 1 for a failure while
    /// running; swift-argument-parser would answer usage errors with 64 (EX_USAGE).
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                let message = fullMessage(for: error)
                FileHandle.standardError.write(Data((message.hasSuffix("\n") ? message : message + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
