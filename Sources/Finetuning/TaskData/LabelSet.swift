/// How class labels become indices. With a fixed set (from the training file), a label
/// outside it is an error. Inferred, the set is the distinct labels in sorted order — HF's
/// `run_glue.py` rule for non-GLUE files (`label_list.sort()`) — numerically when every label
/// is an integer ("2" < "10"), bytewise otherwise. With `--num-labels K` and integer labels all
/// in 0..<K, the set is "0"..."K-1" (a class absent from the file keeps its index); otherwise
/// the inferred count must equal K.
enum LabelSet {
    static func infer(_ labels: [[UInt8]], numLabels: Int?, path: String) throws -> [String] {
        let distinct = Set(labels.map { $0.messageText })
        let integers = distinct.compactMap(integerValue)
        if integers.count == distinct.count {
            if let k = numLabels, integers.allSatisfy({ 0 <= $0 && $0 < k }) {
                return (0..<k).map(String.init)
            }
            let names = integers.sorted().map(String.init)
            try check(names, numLabels: numLabels, path: path)
            return names
        }
        let names = distinct.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        try check(names, numLabels: numLabels, path: path)
        return names
    }

    /// A label that names an integer the way `String(Int)` writes it back ("7", "-1"; not "07", "+7", "1.0").
    static func integerValue(_ s: String) -> Int? {
        guard let v = Int(s), String(v) == s else { return nil }
        return v
    }

    static func check(_ names: [String], numLabels: Int?, path: String) throws {
        guard let k = numLabels, names.count != k else { return }
        let shown = names.prefix(10).joined(separator: ", ") + (names.count > 10 ? ", ..." : "")
        throw TaskDataError(path: path, detail: "--num-labels is \(k) but the labels are \(names.count): \(shown)")
    }
}
