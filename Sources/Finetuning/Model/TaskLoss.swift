import Foundation

/// The losses `BertForSequenceClassification` computes (HF `problem_type`): cross-entropy
/// averaged over the batch for classification, mean squared error for regression
/// (`num_labels` 1), each with its gradient with respect to the logits.
enum TaskLoss {
    /// Mean cross-entropy of logits [B, K] against class indices, and ∂loss/∂logits.
    static func crossEntropy(logits: [Float], labels: [Int], classes k: Int) -> (loss: Double, gradient: [Float]) {
        let b = labels.count
        var loss = 0.0
        var g = [Float](repeating: 0, count: b * k)
        for r in 0..<b {
            let p = softmax(logits, row: r, classes: k)
            loss -= log(Double(max(p[labels[r]], .leastNormalMagnitude)))
            for c in 0..<k { g[r * k + c] = (p[c] - (c == labels[r] ? 1 : 0)) / Float(b) }
        }
        return (loss / Double(b), g)
    }

    /// Mean squared error of logits [B, 1] against values, and ∂loss/∂logits.
    static func meanSquaredError(logits: [Float], values: [Float]) -> (loss: Double, gradient: [Float]) {
        let b = values.count
        var loss = 0.0
        var g = [Float](repeating: 0, count: b)
        for r in 0..<b {
            let d = logits[r] - values[r]
            loss += Double(d * d)
            g[r] = 2 * d / Float(b)
        }
        return (loss / Double(b), g)
    }

    /// Softmax of row `r` of [·, K], in Double for the sum (K is small).
    static func softmax(_ logits: [Float], row r: Int, classes k: Int) -> [Float] {
        var m = -Float.infinity
        for c in 0..<k { m = max(m, logits[r * k + c]) }
        var e = [Double](repeating: 0, count: k), s = 0.0
        for c in 0..<k {
            e[c] = exp(Double(logits[r * k + c] - m))
            s += e[c]
        }
        return e.map { Float($0 / s) }
    }

    /// log-softmax of row `r`.
    static func logSoftmax(_ logits: [Float], row r: Int, classes k: Int) -> [Double] {
        var m = -Float.infinity
        for c in 0..<k { m = max(m, logits[r * k + c]) }
        var s = 0.0
        for c in 0..<k { s += exp(Double(logits[r * k + c] - m)) }
        let l = log(s)
        return (0..<k).map { Double(logits[r * k + $0] - m) - l }
    }
}
