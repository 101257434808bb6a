import Foundation

/// Every command's `--threads` default: all cores (at most 256, the limit the corpus jobs
/// accept). No output depends on the thread count, so the default costs nothing in
/// reproducibility.
enum DefaultThreads {
    static var allCores: Int { min(max(ProcessInfo.processInfo.activeProcessorCount, 1), 256) }
}
