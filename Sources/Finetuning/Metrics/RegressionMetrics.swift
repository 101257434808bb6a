extension TaskMetrics {
    /// `pearson` (SciPy's `pearsonr`) and `spearman` (`spearmanr`: Pearson of the ranks, ties
    /// given their average rank), computed in Double. Either is NaN when one side is constant
    /// or there are fewer than two values, as SciPy returns.
    public static func regression(predictions: [Float], labels: [Float]) -> [String: Double] {
        precondition(predictions.count == labels.count, "one prediction per label")
        let x = predictions.map(Double.init), y = labels.map(Double.init)
        return ["pearson": pearson(x, y), "spearman": pearson(averageRanks(x), averageRanks(y))]
    }

    static func pearson(_ x: [Double], _ y: [Double]) -> Double {
        let n = x.count
        guard n >= 2 else { return .nan }
        let mx = x.reduce(0, +) / Double(n), my = y.reduce(0, +) / Double(n)
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for i in 0..<n {
            let dx = x[i] - mx, dy = y[i] - my
            sxy += dx * dy
            sxx += dx * dx
            syy += dy * dy
        }
        guard sxx > 0 && syy > 0 else { return .nan }
        // Clamped like SciPy: rounding can push |r| a hair past 1.
        return max(-1, min(1, sxy / (sxx.squareRoot() * syy.squareRoot())))
    }

    /// 1-based ranks, each run of equal values given the mean of the ranks it spans.
    static func averageRanks(_ v: [Double]) -> [Double] {
        let order = v.indices.sorted { v[$0] < v[$1] }
        var ranks = [Double](repeating: 0, count: v.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && v[order[j + 1]] == v[order[i]] { j += 1 }
            let rank = Double(i + j + 2) / 2
            for k in i...j { ranks[order[k]] = rank }
            i = j + 1
        }
        return ranks
    }
}
