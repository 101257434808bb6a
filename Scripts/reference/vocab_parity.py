#!/usr/bin/env python3
"""Live comparison of `prep vocab` with the pinned reference (run via Scripts/parity/vocab).

For each configuration (corpus files x vocab size x options; mostly text the committed
fixtures do not use, plus all of Corpora/ at once):
  1. HF tokenizers 0.23.3 `BertWordPieceTokenizer.train` learns a vocab.txt;
  2. `prep vocab --replay <that vocab.txt>` must write the same vocab.txt, line for line
     (HF breaks some ties by hash order, differently in every run; --replay makes the same
     choices, everything else must agree by itself);
  3. plain `prep vocab` (its own tie-breaking) must agree on the deterministic part: the
     special tokens, and the alphabet and continuation characters as sets (when HF's
     alphabet had no tie at the limit);
  4. round trip: ids of `prep encode --vocab <ours>/vocab.txt` and `--vocab <ours>/tokenizer.json`
     over the corpus equal those of HF's BertWordPieceTokenizer built from that vocab.txt and of
     `Tokenizer.from_file(<ours>/tokenizer.json)`.
A configuration whose vocab size is below the special tokens plus HF's alphabet must make
`prep vocab` exit 2 with its one-line error instead.
Exit status: 0 all identical, 1 any difference, 2 usage/set-up problem.
"""
import argparse, json, shutil, subprocess, sys, tempfile, time, unicodedata
from pathlib import Path

from tokenizers import BertWordPieceTokenizer, Tokenizer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tokenizer_fixtures import corpus_lines  # noqa: E402
from vocab_fixtures import DEFAULTS, PREFIX, ROOT, train  # noqa: E402

HELD_OUT = ["en/maint-guide-sample.txt", "es/maint-guide-sample.txt", "vi/maint-guide-sample.txt",
            "el/manpages-el.txt", "zh/song100.txt", "zh/maint-guide-zh-tw-sample.txt", "jsonl/tricky-json.jsonl"]


def configurations():
    everything = sorted(str(p.relative_to(ROOT / "Corpora")) for p in (ROOT / "Corpora").rglob("*.txt"))
    out = [([f], size, {}) for f in HELD_OUT for size in (1000, 8000, 30000)]
    out += [(everything, size, {}) for size in (1000, 8000, 30000)]
    out += [(everything, 30000, {"lowercase": False}),
            (everything, 8000, {"limit_alphabet": 200, "min_frequency": 3}),
            (["vi/maint-guide-sample.txt"], 8000, {"strip_accents": False}),
            (["zh/maint-guide-zh-tw-sample.txt"], 8000, {"handle_chinese_chars": False}),
            (["el/manpages-el.txt"], 4000, {"lowercase": False, "min_frequency": 1})]
    return [(files, dict(DEFAULTS, vocab_size=size, **options)) for files, size, options in out]


def prep_vocab_args(prep, files, options, out, replay=None):
    cmd = [prep, "vocab", "--input", *[str(ROOT / "Corpora" / f) for f in files], "--output", str(out),
           "--vocab-size", str(options["vocab_size"]), "--min-frequency", str(options["min_frequency"]),
           "--limit-alphabet", str(options["limit_alphabet"]), "--special-tokens", *options["special_tokens"],
           "--threads", "2", "--json"]
    if options["initial_alphabet"]:
        cmd += ["--initial-alphabet", "".join(options["initial_alphabet"])]
    if not options["lowercase"]:
        cmd.append("--no-lowercase")
    if options["strip_accents"] is False:
        cmd.append("--no-strip-accents")
    if not options["handle_chinese_chars"]:
        cmd.append("--no-chinese-chars")
    if replay:
        cmd += ["--replay", str(replay)]
    return cmd


def sections(tokens, specials):
    """(specials, alphabet, continuation characters) of a trained vocabulary."""
    i = 0
    while i < len(tokens) and tokens[i] in specials:
        i += 1
    j = i
    while j < len(tokens) and len(tokens[j]) == 1:
        j += 1
    k = j
    while k < len(tokens) and tokens[k].startswith(PREFIX) and len(tokens[k]) == len(PREFIX) + 1:
        k += 1
    return tokens[:i], tokens[i:j], tokens[j:k]


def read_vocab(path):
    return Path(path).read_bytes().decode("utf-8").split("\n")[:-1]


def prep_encode(prep, vocab, path, lowercase):
    cmd = [prep, "encode", "--vocab", str(vocab), "--input", str(path)]
    if not lowercase and str(vocab).endswith(".txt"):
        cmd.append("--no-lowercase")
    if path.suffix == ".jsonl":
        cmd += ["--format", "jsonl"]
    proc = subprocess.run(cmd, capture_output=True)
    if proc.returncode != 0:
        return None, f"`{' '.join(cmd)}` exited {proc.returncode}: {proc.stderr.decode('utf-8', 'replace').strip()}"
    return [json.loads(l) for l in proc.stdout.decode("utf-8").split("\n") if l], None


def round_trip(prep, out, files, options):
    """Differences between prep encode and HF over the corpus, for vocab.txt and tokenizer.json."""
    problems = []
    hf_txt = BertWordPieceTokenizer(str(out / "vocab.txt"), lowercase=options["lowercase"],
                                    strip_accents=options["strip_accents"],
                                    handle_chinese_chars=options["handle_chinese_chars"])
    hf_json = Tokenizer.from_file(str(out / "tokenizer.json"))
    expected = json.loads(hf_txt.to_str())
    ours = json.loads((out / "tokenizer.json").read_text(encoding="utf-8"))
    if ours != expected:
        keys = [k for k in expected if expected.get(k) != ours.get(k)]
        problems.append(f"tokenizer.json differs from HF's for the same vocab in {keys}")
    default_normalizer = options["strip_accents"] is None and options["handle_chinese_chars"]
    # Vocabularies are read by bytes, so canonically equivalent tokens ("##é" precomposed and
    # decomposed) stay distinct in tokenizer.json as in vocab.txt: both are compared always.
    tokens = read_vocab(out / "vocab.txt")
    clashes = len(tokens) - len({unicodedata.normalize("NFC", t) for t in tokens})
    notes = [f"{clashes} canonically equivalent token pair(s) in the vocab, compared as distinct tokens"] if clashes else []
    for f in files:
        path = ROOT / "Corpora" / f
        texts = [t for _, t in corpus_lines(path)]
        for vocab, tok in ((out / "vocab.txt", hf_txt), (out / "tokenizer.json", hf_json)):
            if vocab.suffix == ".txt" and not default_normalizer:
                continue   # vocab.txt carries no normalizer options; tokenizer.json does
            got, error = prep_encode(prep, vocab, path, options["lowercase"])
            if error:
                problems.append(error)
                continue
            want = [e.ids for e in tok.encode_batch(texts)]
            bad = [n for n, (w, g) in enumerate(zip(want, got), 1) if w != g]
            if bad or len(want) != len(got):
                problems.append(f"{vocab.name}: {f}: {len(bad)} of {len(want)} lines encode differently (first: {bad[:3]})")
    return problems, notes


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prep", required=True, help="path to the prep binary")
    args = ap.parse_args()
    prep = shutil.which(args.prep)
    if prep is None:
        print(f"vocab parity: prep binary {args.prep!r} not found or not executable", file=sys.stderr)
        return 2
    failed = identical = errors_expected = noted = 0
    configs = configurations()
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        for n, (files, options) in enumerate(configs):
            label = (files[0] if len(files) == 1 else f"{len(files)} files") + \
                f" size {options['vocab_size']}" + "".join(f" {k}={options[k]}" for k in
                ("lowercase", "strip_accents", "handle_chinese_chars", "limit_alphabet", "min_frequency")
                if options[k] != DEFAULTS[k])
            t0 = time.perf_counter()
            tokens, data = train([ROOT / "Corpora" / f for f in files], options)
            t_hf = time.perf_counter() - t0
            (work / f"hf{n}.txt").write_bytes(data)
            specials, alphabet, continuations = sections(tokens, set(options["special_tokens"]))
            unique_specials = len(dict.fromkeys(options["special_tokens"]))
            t0 = time.perf_counter()
            replayed = subprocess.run(prep_vocab_args(prep, files, options, work / f"r{n}", work / f"hf{n}.txt"),
                                      capture_output=True)
            t_prep = time.perf_counter() - t0
            if unique_specials + len(alphabet) > options["vocab_size"]:
                err = replayed.stderr.decode("utf-8", "replace")
                if replayed.returncode == 2 and "is smaller than the" in err and err.count("\n") == 1:
                    errors_expected += 1
                    print(f"ok   {label}: below specials + alphabet ({unique_specials} + {len(alphabet)}): exit 2, {err.strip()!r}")
                else:
                    failed += 1
                    print(f"FAIL {label}: expected exit 2 for a size below specials + alphabet, got {replayed.returncode}: {err.strip()!r}")
                continue
            if replayed.returncode != 0:
                failed += 1
                print(f"FAIL {label}: prep vocab --replay exited {replayed.returncode}: "
                      f"{replayed.stderr.decode('utf-8', 'replace').strip()}")
                continue
            ours = read_vocab(work / f"r{n}" / "vocab.txt")
            problems = []
            if ours != tokens:
                k = next((i for i, (a, b) in enumerate(zip(ours, tokens)) if a != b), min(len(ours), len(tokens)))
                problems.append(f"replayed vocab.txt differs from HF's: {len(ours)} vs {len(tokens)} lines, first at "
                                f"line {k + 1}: ours {ours[k] if k < len(ours) else None!r}, HF {tokens[k] if k < len(tokens) else None!r}")
            plain = subprocess.run(prep_vocab_args(prep, files, options, work / f"p{n}"), capture_output=True)
            if plain.returncode != 0:
                problems.append(f"plain prep vocab exited {plain.returncode}")
            else:
                mine = read_vocab(work / f"p{n}" / "vocab.txt")
                s2, a2, c2 = sections(mine, set(options["special_tokens"]))
                if s2 != specials:
                    problems.append("special tokens differ")
                # A limited alphabet may differ by a tie at the cut (then so may the continuations).
                limited = len(alphabet) >= options["limit_alphabet"]
                if a2 != alphabet and not limited:
                    problems.append("alphabet differs although it was not limited")
                if a2 == alphabet and set(c2) != set(continuations):
                    problems.append("continuation characters differ")
                same = sum(a == b for a, b in zip(mine, tokens))
            more, notes = round_trip(prep, work / f"r{n}", files, options)
            problems += more
            noted += bool(notes)
            if problems:
                failed += 1
                for p in problems:
                    print(f"FAIL {label}: {p}")
            else:
                identical += 1
                print(f"ok   {label}: {len(tokens)} lines identical with --replay; own tie-breaking: "
                      f"{same}/{len(tokens)} lines in the same place; ids round-trip "
                      f"(HF {t_hf:.2f}s, prep {t_prep:.2f}s)" + "".join(f"; NOTE {x}" for x in notes), flush=True)
    print(f"vocab parity: {identical} of {len(configs)} configurations identical to HF, "
          f"{errors_expected} refused as below specials + alphabet, {failed} failed"
          + (f" ({noted} with a NOTE above)" if noted else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
