import ArgumentParser

@main
struct Prep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prep",
        abstract: "Turn raw text into BERT pretraining data and train an encoder with an enhanced decoder.",
        subcommands: [Train.self, Eval.self, Export.self, Compare.self]
    )
}
