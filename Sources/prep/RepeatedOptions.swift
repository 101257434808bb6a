import ArgumentParser
import Foundation

/// swift-argument-parser keeps the last value of a single-value option given twice, without a
/// word (`prep mask --input A --input B` would read only B). This check refuses that for every
/// command at once, from the parser's own description of each command's arguments (its JSON
/// help dump): an option that does not collect values (`isRepeating`) may be given once.
enum RepeatedOptions {
    /// The first single-value option given more than once in `arguments` (without the program
    /// name), as the message to refuse it with; nil when there is none.
    static func refusal(_ arguments: [String], root: ParsableCommand.Type) -> String? {
        // Nothing repeats in most invocations: skip reading the parser's description then.
        let named = arguments.prefix { $0 != "--" }.filter { $0.hasPrefix("-") }.map(name(of:))
        guard Set(named).count < named.count else { return nil }
        guard let tool = try? JSONDecoder().decode(Tool.self, from: Data(root._dumpHelp().utf8)) else { return nil }
        var command = tool.command
        var rest = arguments[...]
        // Walk down the subcommands the arguments name (they come first).
        while let word = rest.first, let sub = command.subcommands?.first(where: { $0.commandName == word }) {
            command = sub
            rest = rest.dropFirst()
        }
        var single: [String: String] = [:]  // every spelling of a single-value option → its long spelling
        for argument in command.arguments ?? [] where argument.kind == "option" && !argument.isRepeating {
            let spellings = (argument.names ?? []).map { ($0.kind == "short" ? "-" : "--") + $0.name }
            guard let preferred = spellings.first(where: { $0.hasPrefix("--") }) ?? spellings.first else { continue }
            for s in spellings { single[s] = preferred }
        }
        var seen: [String: [String]] = [:]
        var i = rest.startIndex
        while i < rest.endIndex, rest[i] != "--" {
            let token = rest[i]
            i += 1
            guard token.hasPrefix("-"), let option = single[name(of: token)] else { continue }
            var value = ""
            if let eq = token.firstIndex(of: "=") {
                value = String(token[token.index(after: eq)...])
            } else if i < rest.endIndex {
                value = rest[i]
                i += 1
            }
            seen[option, default: []].append(value)
            if let values = seen[option], values.count == 2 {
                return "\(option) given twice (\(values.joined(separator: ", "))); give it once"
            }
        }
        return nil
    }

    /// `--name=value` → `--name`.
    private static func name(of token: String) -> String {
        token.firstIndex(of: "=").map { String(token[..<$0]) } ?? token
    }

    // The parts of the parser's JSON help dump (ArgumentParserToolInfo's ToolInfoV0) read here.
    private struct Tool: Decodable { var command: Command }
    private struct Command: Decodable {
        var commandName: String
        var subcommands: [Command]?
        var arguments: [Argument]?
    }
    private struct Argument: Decodable {
        struct Name: Decodable { var kind: String; var name: String }
        var kind: String
        var isRepeating: Bool
        var names: [Name]?
    }
}
