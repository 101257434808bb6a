import ArgumentParser
import Foundation
import Loading
import Tokenization
import Training

/// A library error that carries its exit status (2: bad input or usage, 1: failure while
/// running) and prints as one line naming the file and position.
protocol CommandLineError: Error, CustomStringConvertible {
    var exitCode: Int32 { get }
}

extension TokenizationError: CommandLineError {}
extension LoaderError: CommandLineError {}
extension TrainingError: CommandLineError {}

/// Runs a subcommand's work; a `CommandLineError` is printed as `error: …` on stderr and
/// becomes the process's exit status. Other errors pass through unchanged.
func reportingErrors(_ body: () throws -> Void) throws {
    do { try body() } catch let e as CommandLineError {
        FileHandle.standardError.write(Data("error: \(e.description)\n".utf8))
        throw ExitCode(e.exitCode)
    }
}
