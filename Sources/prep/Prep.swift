import ArgumentParser

@main
struct Prep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prep",
        abstract: "Turn raw text into BERT pretraining data and train an encoder with an enhanced decoder.",
        subcommands: [EncodeCommand.self, TokenizeCommand.self, MaskCommand.self, InspectCommand.self, VerifyCommand.self,
                      StreamCommand.self, Train.self, Eval.self, Export.self, Compare.self]
    )
}
