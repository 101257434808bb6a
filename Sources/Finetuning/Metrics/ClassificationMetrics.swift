/// GLUE's task metrics, computed as scikit-learn and SciPy compute them (the definitions
/// HF's `evaluate`/`glue` metric calls), so numbers compare with published ones.
public enum TaskMetrics {
    /// `accuracy` (share of exact matches), `macro_f1` (unweighted mean of per-class F1 over
    /// the classes that occur in `labels` or `predictions`, sklearn's `average="macro"`),
    /// `matthews_correlation` (sklearn's multiclass MCC; 0 when either side is constant), and
    /// for two classes `f1` (F1 of class 1, sklearn's `average="binary"`, GLUE's MRPC/QQP F1).
    /// Values outside 0..<numLabels are a programming error. Empty input gives NaN.
    public static func classification(predictions: [Int], labels: [Int], numLabels: Int) -> [String: Double] {
        precondition(predictions.count == labels.count, "one prediction per label")
        precondition(numLabels >= 1)
        let n = labels.count
        guard n > 0 else { return ["accuracy": .nan, "macro_f1": .nan, "matthews_correlation": .nan] }
        // confusion[t * k + p]: rows are true classes, columns predicted ones.
        var confusion = [Int](repeating: 0, count: numLabels * numLabels)
        for i in 0..<n {
            let t = labels[i], p = predictions[i]
            precondition(0 <= t && t < numLabels && 0 <= p && p < numLabels, "class index out of range")
            confusion[t * numLabels + p] += 1
        }
        var trueCount = [Int](repeating: 0, count: numLabels)
        var predictedCount = [Int](repeating: 0, count: numLabels)
        var correct = 0
        for t in 0..<numLabels {
            for p in 0..<numLabels {
                trueCount[t] += confusion[t * numLabels + p]
                predictedCount[p] += confusion[t * numLabels + p]
            }
            correct += confusion[t * numLabels + t]
        }

        func f1(_ c: Int) -> Double {
            let tp = confusion[c * numLabels + c]
            let fp = predictedCount[c] - tp, fn = trueCount[c] - tp
            let denominator = 2 * tp + fp + fn
            return denominator == 0 ? 0 : Double(2 * tp) / Double(denominator)
        }
        let present = (0..<numLabels).filter { trueCount[$0] > 0 || predictedCount[$0] > 0 }
        let macroF1 = present.map(f1).reduce(0, +) / Double(present.count)

        // sklearn's matthews_corrcoef: covariances from the confusion matrix's margins.
        let s = Double(n), c = Double(correct)
        var tp = 0.0, pp = 0.0, tt = 0.0
        for k in 0..<numLabels {
            tp += Double(trueCount[k]) * Double(predictedCount[k])
            pp += Double(predictedCount[k]) * Double(predictedCount[k])
            tt += Double(trueCount[k]) * Double(trueCount[k])
        }
        let covYtYp = c * s - tp, covYpYp = s * s - pp, covYtYt = s * s - tt
        let mcc = covYtYt * covYpYp == 0 ? 0 : covYtYp / (covYtYt * covYpYp).squareRoot()

        var out = ["accuracy": c / s, "macro_f1": macroF1, "matthews_correlation": mcc]
        if numLabels == 2 { out["f1"] = f1(1) }
        return out
    }
}
