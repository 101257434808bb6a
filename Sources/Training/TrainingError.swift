/// Errors of the training stage; each message names the file or step involved.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    case badConfig(String, String)
    case badCheckpoint(String, String)
    case badSafetensors(String, String)
    case nonFiniteLoss(step: Int, lastCheckpoint: String?)
    case batchTooLarge(String)
    case io(String, String)
    case noData(String)
    /// A fresh start into a directory holding another run.
    case runExists(String)
    /// `--resume` into a run none of whose checkpoints verifies.
    case noValidCheckpoint(String, String)
    /// Started by an MPI launcher, but Open MPI cannot be loaded (the reason).
    case mpiUnavailable(String)

    public var description: String {
        switch self {
        case let .badConfig(src, why): return "\(src): bad model config: \(why)"
        case let .badCheckpoint(path, why): return "\(path): bad checkpoint: \(why)"
        case let .badSafetensors(path, why): return "\(path): bad safetensors file: \(why)"
        case let .nonFiniteLoss(step, last):
            return
                "loss became NaN or Inf at step \(step); stopped without saving it; last good checkpoint: \(last ?? "none")"
        case let .batchTooLarge(why): return "batch does not fit the preallocated buffers: \(why)"
        case let .io(path, why): return "\(path): \(why)"
        case let .noData(why): return "no training data: \(why)"
        case let .runExists(run):
            return
                "\(run): holds another run (metrics.jsonl or checkpoints/); pass --resume to continue it or --overwrite to replace it"
        case let .noValidCheckpoint(run, why):
            return "\(run): no valid checkpoint to resume from (\(why)); pass --overwrite to start again"
        case let .mpiUnavailable(why): return "MPI: \(why)"
        }
    }

    /// CLI exit status: 2 for bad input or usage, 1 for a failure while running.
    public var exitCode: Int32 {
        switch self {
        case .badConfig, .badCheckpoint, .badSafetensors, .batchTooLarge, .noData, .runExists, .noValidCheckpoint,
            .mpiUnavailable:
            return 2
        case .nonFiniteLoss, .io: return 1
        }
    }
}
