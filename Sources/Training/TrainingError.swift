/// Errors of the training stage; each message names the file or step involved.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    case badConfig(String, String)
    case badCheckpoint(String, String)
    case badSafetensors(String, String)
    case nonFiniteLoss(step: Int, lastCheckpoint: String?)
    case batchTooLarge(String)
    case io(String, String)
    case noData(String)

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
        }
    }

    /// CLI exit status: 2 for bad input or usage, 1 for a failure while running.
    public var exitCode: Int32 {
        switch self {
        case .badConfig, .badCheckpoint, .badSafetensors, .batchTooLarge, .noData: return 2
        case .nonFiniteLoss, .io: return 1
        }
    }
}
