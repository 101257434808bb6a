import Foundation

/// One run's numbers for `prep compare`.
public struct RunSummary: Codable, Sendable, Equatable {
    public var run: String
    public var label: String
    public var decoder: String
    public var attention: String
    public var model: String
    public var steps: Int
    /// Mean training loss / accuracy over the last 10% of logged steps (at least one).
    public var trainLoss: Double
    public var trainAccuracy: Double
    /// Held-out MLM loss and accuracy: from `--eval-data` / synthetic held-out batches when
    /// given, else the last `eval_loss` in metrics.jsonl, else nil.
    public var evalLoss: Double?
    public var evalAccuracy: Double?
    public var evalPredictions: Int?
    public var evalSource: String?
    public var tokensPerSecond: Double
    public var trainSeconds: Double

    enum CodingKeys: String, CodingKey {
        case run, label, decoder, attention, model, steps
        case trainLoss = "train_loss", trainAccuracy = "train_accuracy", evalLoss = "eval_loss"
        case evalAccuracy = "eval_accuracy", evalPredictions = "eval_predictions", evalSource = "eval_source"
        case tokensPerSecond = "tokens_per_s", trainSeconds = "train_seconds"
    }
}

/// Side-by-side comparison of training runs (`prep compare`): summaries, a Markdown table
/// and a loss-curve SVG drawn from each run's `metrics.jsonl`.
public enum RunComparison {
    /// The newest line per step of `RUN/metrics.jsonl` (a resumed run may have rewritten some).
    public static func metrics(run: String) throws -> [StepMetrics] {
        let path = (run as NSString).appendingPathComponent("metrics.jsonl")
        guard let d = FileManager.default.contents(atPath: path) else {
            throw TrainingError.badCheckpoint(run, "no readable metrics.jsonl: not a run directory")  // bad input: exit 2
        }
        var byStep: [Int: StepMetrics] = [:]
        for (i, line) in String(decoding: d, as: UTF8.self).split(separator: "\n").enumerated() where !line.isEmpty {
            do { let m = try JSONDecoder().decode(StepMetrics.self, from: Data(line.utf8)); byStep[m.step] = m } catch {
                throw TrainingError.badCheckpoint(path, "line \(i + 1) is not a metrics record: \(error)")
            }
        }
        guard !byStep.isEmpty else { throw TrainingError.badCheckpoint(path, "no metrics lines") }
        return byStep.keys.sorted().map { byStep[$0]! }
    }

    public static func summarize(
        run: String, label: String? = nil, metrics m: [StepMetrics], state: TrainerState?
    ) -> RunSummary {
        let tail = m.suffix(max(1, m.count / 10))
        let lastEval = m.last { $0.eval_loss != nil }
        let o = state?.options
        return RunSummary(
            run: run, label: label ?? (run as NSString).lastPathComponent,
            decoder: o?.decoder.kind.rawValue ?? "?",
            attention: state.map { $0.config.relativeAttention ? "disentangled" : "absolute" } ?? "?",
            model: o?.model.description ?? "?", steps: m.last?.step ?? 0,
            trainLoss: tail.map(\.loss).reduce(0, +) / Double(tail.count),
            trainAccuracy: tail.map(\.mlm_accuracy).reduce(0, +) / Double(tail.count),
            evalLoss: lastEval?.eval_loss, evalAccuracy: lastEval?.eval_accuracy, evalPredictions: nil,
            evalSource: lastEval.map { "metrics.jsonl step \($0.step)" },
            tokensPerSecond: median(m.map(\.tokens_per_s)), trainSeconds: m.map(\.ms_per_step).reduce(0, +) / 1000)
    }

    static func median(_ x: [Double]) -> Double {
        guard !x.isEmpty else { return 0 }
        let s = x.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// A Markdown table, one row per run.
    public static func table(_ runs: [RunSummary]) -> String {
        func f(_ x: Double?, _ digits: Int = 4) -> String { x.map { String(format: "%.\(digits)f", $0) } ?? "–" }
        var s =
            "| run | decoder | attention | model | steps | held-out loss | held-out acc | train loss (last 10%) | train acc | tokens/s | train s |\n"
        s += "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n"
        for r in runs {
            s +=
                "| \(r.label) | \(r.decoder) | \(r.attention) | \(r.model) | \(r.steps) | \(f(r.evalLoss)) | \(f(r.evalAccuracy)) | "
            s +=
                "\(f(r.trainLoss)) | \(f(r.trainAccuracy)) | \(String(format: "%.0f", r.tokensPerSecond)) | \(String(format: "%.1f", r.trainSeconds)) |\n"
        }
        return s
    }

    /// Training-loss curves (moving average over ~2% of the steps) and held-out loss points,
    /// as a self-contained SVG.
    public static func svg(_ runs: [(label: String, metrics: [StepMetrics])], title: String = "MLM loss") -> String {
        let W = 760.0, H = 440.0, left = 64.0, right = 180.0, top = 36.0, bottom = 48.0
        let pw = W - left - right, ph = H - top - bottom
        let colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
        let curves: [(String, [(Double, Double)], [(Double, Double)])] = runs.map { r in
            let w = max(1, r.metrics.count / 50)
            var smooth: [(Double, Double)] = []
            var sum = 0.0
            for (i, m) in r.metrics.enumerated() {
                sum += m.loss
                if i >= w { sum -= r.metrics[i - w].loss }
                smooth.append((Double(m.step), sum / Double(min(i + 1, w))))
            }
            let evals = r.metrics.compactMap { m in m.eval_loss.map { (Double(m.step), $0) } }
            return (r.label, smooth, evals)
        }
        let xs = curves.flatMap { $0.1.map(\.0) },
            ys = curves.flatMap { $0.1.map(\.1) + $0.2.map(\.1) }.filter(\.isFinite)
        let x0 = 0.0, x1 = max(1, xs.max() ?? 1)
        var y0 = ys.min() ?? 0, y1 = ys.max() ?? 1
        if y1 - y0 < 1e-9 { y0 -= 0.5; y1 += 0.5 }
        let pad = (y1 - y0) * 0.05
        y0 -= pad; y1 += pad
        func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * pw }
        func py(_ y: Double) -> Double { top + (1 - (y - y0) / (y1 - y0)) * ph }
        func n(_ v: Double) -> String { String(format: "%.1f", v) }
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;")
        }
        var s =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(W))\" height=\"\(Int(H))\" viewBox=\"0 0 \(Int(W)) \(Int(H))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += "<text x=\"\(n(left))\" y=\"22\" font-size=\"15\">\(esc(title))</text>\n"
        s +=
            "<rect x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(pw))\" height=\"\(n(ph))\" fill=\"none\" stroke=\"#888\"/>\n"
        for k in 0...5 {
            let yv = y0 + (y1 - y0) * Double(k) / 5, xv = x0 + (x1 - x0) * Double(k) / 5
            s +=
                "<line x1=\"\(n(left))\" x2=\"\(n(left + pw))\" y1=\"\(n(py(yv)))\" y2=\"\(n(py(yv)))\" stroke=\"#eee\"/>"
            s +=
                "<text x=\"\(n(left - 6))\" y=\"\(n(py(yv) + 4))\" text-anchor=\"end\">\(String(format: "%.2f", yv))</text>\n"
            s +=
                "<text x=\"\(n(px(xv)))\" y=\"\(n(top + ph + 18))\" text-anchor=\"middle\">\(Int(xv.rounded()))</text>\n"
        }
        s += "<text x=\"\(n(left + pw / 2))\" y=\"\(n(H - 8))\" text-anchor=\"middle\">step</text>\n"
        s += "<text transform=\"translate(16 \(n(top + ph / 2))) rotate(-90)\" text-anchor=\"middle\">loss</text>\n"
        for (i, c) in curves.enumerated() {
            let color = colors[i % colors.count]
            let pts = c.1.filter { $0.1.isFinite }.map { "\(n(px($0.0))),\(n(py($0.1)))" }.joined(separator: " ")
            s += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.6\" points=\"\(pts)\"/>\n"
            for e in c.2 where e.1.isFinite {
                s +=
                    "<circle cx=\"\(n(px(e.0)))\" cy=\"\(n(py(e.1)))\" r=\"3.5\" fill=\"white\" stroke=\"\(color)\" stroke-width=\"1.6\"/>\n"
            }
            let ly = top + 14 + Double(i) * 20
            s +=
                "<line x1=\"\(n(left + pw + 14))\" x2=\"\(n(left + pw + 38))\" y1=\"\(n(ly))\" y2=\"\(n(ly))\" stroke=\"\(color)\" stroke-width=\"2\"/>"
            s += "<text x=\"\(n(left + pw + 44))\" y=\"\(n(ly + 4))\">\(esc(c.0))</text>\n"
        }
        let ly = top + 14 + Double(curves.count) * 20 + 6
        s += "<text x=\"\(n(left + pw + 14))\" y=\"\(n(ly))\" fill=\"#555\">lines: train (moving avg)</text>\n"
        s += "<text x=\"\(n(left + pw + 14))\" y=\"\(n(ly + 16))\" fill=\"#555\">circles: held-out</text>\n"
        s += "</svg>\n"
        return s
    }
}
