#!/usr/bin/env python3
"""Generate the Unicode compatibility overlay and per-code-point fixtures.

Queries the pinned reference (HF `tokenizers` 0.23.3: BertNormalizer, BertPreTokenizer,
NFD, NFKC) over every Unicode scalar value, compares each character property our
normalizer uses with ICU's view of it (a small C program linked against our own
`Sources/CICU/shim.c`, so the comparison uses exactly the functions the Swift code calls),
and writes:

  Sources/Tokenization/Normalization/ReferenceOverlay.generated.swift
      the differences (reference minus ICU) that `--unicode reference` applies on top of ICU;
  Tests/TokenizationTests/Fixtures/reference-normalization.txt
      the reference's own output (normalize_str) for every code point whose output is not
      the code point itself, under several option sets, plus its pre-tokenizer split classes.

Run:  $DRBERT_VENV/bin/python Scripts/reference/unicode_overlay.py [--check]
(--check regenerates into a temporary directory and fails if the committed files differ;
Scripts/parity/unicode-overlay runs it.)
(DRBERT_VENV defaults to .venv-ref; needs tokenizers==0.23.3, a C compiler, libicu-dev.)
"""
import json
import os
import random
import subprocess
import sys
import tempfile

import tokenizers
from tokenizers.normalizers import NFC, NFD, NFKC, BertNormalizer, Sequence
from tokenizers import PreTokenizedString, Regex
from tokenizers.pre_tokenizers import BertPreTokenizer, Split

REFERENCE_VERSION = "0.23.3"
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OVERLAY = os.path.join(ROOT, "Sources/Tokenization/Normalization/ReferenceOverlay.generated.swift")
FIXTURE = os.path.join(ROOT, "Tests/TokenizationTests/Fixtures/reference-normalization.txt")
ALIGNMENTS = os.path.join(ROOT, "Tests/TokenizationTests/Fixtures/reference-alignments.jsonl")

if tokenizers.__version__ != REFERENCE_VERSION:
    sys.exit(f"unicode_overlay.py: need tokenizers=={REFERENCE_VERSION}, found {tokenizers.__version__}")

SCALARS = [cp for cp in range(0x110000) if not 0xD800 <= cp < 0xE000]

# ---------------------------------------------------------------- ICU's view
DUMP_C = r"""
#include "CICU.h"
#include <stdio.h>
int main(void) {
    uint32_t buf[64];
    printf("%s\n", drb_icu_unicode_version());
    for (uint32_t cp = 0; cp < 0x110000; cp++) {
        if (cp >= 0xD800 && cp < 0xE000) continue;
        printf("%d %d %d %d", drb_icu_general_category(cp), drb_icu_is_white_space(cp),
               drb_icu_combining_class(cp), drb_icu_is_cjk_ideograph_block(cp));
        int n = drb_icu_lowercase(cp, buf, 64); printf(";");
        for (int i = 0; i < n; i++) printf(" %X", buf[i]);
        n = drb_icu_canonical_decomposition(cp, buf, 64); printf(";");
        for (int i = 0; i < n; i++) printf(" %X", buf[i]);
        n = drb_icu_normalize(DRB_ICU_NFKC, &cp, 1, buf, 64); printf(";");
        for (int i = 0; i < n; i++) printf(" %X", buf[i]);
        printf("\n");
    }
    return 0;
}
"""


def icu_view():
    with tempfile.TemporaryDirectory() as tmp:
        src, exe = os.path.join(tmp, "dump.c"), os.path.join(tmp, "dump")
        with open(src, "w") as f:
            f.write(DUMP_C)
        subprocess.run(["cc", "-O1", "-I", os.path.join(ROOT, "Sources/CICU/include"), src,
                        os.path.join(ROOT, "Sources/CICU/shim.c"), "-licuuc", "-licudata", "-o", exe],
                       check=True)
        lines = subprocess.run([exe], check=True, capture_output=True, text=True).stdout.splitlines()
    version, rows = lines[0], lines[1:]
    assert len(rows) == len(SCALARS)
    view = {}
    for cp, row in zip(SCALARS, rows):
        head, lower, nfd, nfkc = row.split(";")
        gc, ws, ccc, cjk = map(int, head.split())
        seq = lambda s: "".join(chr(int(x, 16)) for x in s.split())
        view[cp] = dict(gc=gc, ws=ws == 1, ccc=ccc, cjk=cjk == 1, lower=seq(lower), nfd=seq(nfd), nfkc=seq(nfkc))
    return version, view


# ICU UCharCategory values (uchar.h).
MN, CC, CF, CO, CS = 6, 15, 16, 17, 18
PUNCTUATION = {19, 20, 21, 22, 23, 28, 29}  # Pd Ps Pe Pc Po Pi Pf


def ascii_punctuation(cp):
    return 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126


# The same derived properties that Sources/Tokenization/Normalization/UnicodeProperties.swift
# computes from ICU in `--unicode current` mode.
def icu_derived(v, cp):
    d = v[cp]
    return dict(
        deleted=cp in (0, 0xFFFD) or (cp not in (9, 10, 13) and d["gc"] in (CC, CF, CO, CS)),
        clean_space=cp in (9, 10, 13) or d["ws"],
        cjk=d["cjk"],
        nonspacing=d["gc"] == MN,
        nonstarter=d["ccc"] != 0,
        nfd=d["nfd"],
        lower=d["lower"],
        split_space=d["ws"],
        punct=ascii_punctuation(cp) or d["gc"] in PUNCTUATION,
        nfkc=d["nfkc"],
    )


# ---------------------------------------------------------------- the reference's view
def bert(clean, cjk, strip, lower):
    return BertNormalizer(clean_text=clean, handle_chinese_chars=cjk, strip_accents=strip, lowercase=lower)


def reference_view(icu):
    clean, cjk = bert(True, False, False, False), bert(False, True, False, False)
    strip, lower = bert(False, False, True, False), bert(False, False, False, True)
    nfd, nfkc, pre = NFD(), NFKC(), BertPreTokenizer()
    ref = {}
    for cp in SCALARS:
        c = chr(cp)
        cleaned = clean.normalize_str(c)
        assert cleaned in ("", " ", c), hex(cp)
        padded = cjk.normalize_str(c)
        assert padded in (c, f" {c} "), hex(cp)
        words = [w for w, _ in pre.pre_tokenize_str(f"a{c}b")]
        assert words in (["a", "b"], ["a", c, "b"], [f"a{c}b"]) or c == " ", (hex(cp), words)
        ref[cp] = dict(
            deleted=cleaned == "", clean_space=cleaned == " ",
            cjk=padded != c, nfd=nfd.normalize_str(c), lower=lower.normalize_str(c),
            strip=strip.normalize_str(c), nfkc=nfkc.normalize_str(c),
            split_space=words == ["a", "b"], punct=words == ["a", c, "b"])
    # Mn only matters for code points that NFD leaves alone (others never reach the filter).
    for cp in SCALARS:
        r = ref[cp]
        r["nonspacing"] = r["nfd"] == chr(cp) and r["strip"] == ""
    # Combining classes are stable once assigned, so the reference's class of a code point
    # is ICU's or 0 (not yet assigned in its older tables): a non-starter moves before
    # U+0345 (ccc 240, the largest) under NFD exactly when its class is non-zero.
    for cp in SCALARS:
        ref[cp]["nonstarter"] = False
        if icu[cp]["ccc"] != 0:
            out = nfd.normalize_str("a\u0345" + chr(cp))
            ref[cp]["nonstarter"] = cp == 0x345 or out == "a" + chr(cp) + "\u0345"
    return ref


# ---------------------------------------------------------------- overlay
def ranges(cps):
    out = []
    for cp in sorted(cps):
        if out and out[-1][1] == cp - 1:
            out[-1][1] = cp
        else:
            out.append([cp, cp])
    return out


def swift_ranges(name, doc, cps):
    flat = [x for r in ranges(cps) for x in r]
    body = ",\n".join("        " + ", ".join(f"0x{x:X}" for x in flat[i:i + 12]) for i in range(0, len(flat), 12))
    return f"    /// {doc}\n    /// Flat closed ranges: start, end, start, end, ...\n    static let {name}: [UInt32] = [\n{body}\n    ]\n"


def swift_mapping(name, doc, mapping):
    flat = []
    for cp in sorted(mapping):
        flat += [cp, len(mapping[cp])] + [ord(ch) for ch in mapping[cp]]
    body = ",\n".join("        " + ", ".join(f"0x{x:X}" for x in flat[i:i + 12]) for i in range(0, len(flat), 12))
    return (f"    /// {doc}\n    /// Flat records: code point, count, replacement code points...\n"
            f"    static let {name}: [UInt32] = [\n{body}\n    ]\n")


SWIFT_NAMES = dict(deleted="deletedToggles", clean_space="cleanSpaceToggles", cjk="cjkToggles",
                   split_space="splitSpaceToggles", punct="punctuationToggles",
                   nonstarter="nonStarterToggles", nonspacing="nonspacingMarkToggles")


def main():
    icu_version, icu = icu_view()
    print(f"ICU Unicode {icu_version}; querying tokenizers {tokenizers.__version__} over {len(SCALARS)} scalars...",
          file=sys.stderr)
    ref = reference_view(icu)
    derived = {cp: icu_derived(icu, cp) for cp in SCALARS}

    toggles = {}
    for prop in ("deleted", "clean_space", "cjk", "split_space", "punct", "nonstarter"):
        toggles[prop] = [cp for cp in SCALARS if ref[cp][prop] != derived[cp][prop]]
    toggles["nonspacing"] = [cp for cp in SCALARS
                            if ref[cp]["nfd"] == chr(cp) and ref[cp]["nonspacing"] != derived[cp]["nonspacing"]]
    maps = {prop: {cp: ref[cp][prop] for cp in SCALARS if ref[cp][prop] != derived[cp][prop]}
            for prop in ("nfd", "lower", "nfkc")}
    for k, v in list(toggles.items()) + list(maps.items()):
        print(f"  {k}: {len(v)} code points differ", file=sys.stderr)

    # Self-check: the per-stage data must reproduce the reference's strip_accents
    # (NFD, then drop Mn) for every code point.
    for cp in SCALARS:
        kept = "".join(ch for ch in ref[cp]["nfd"] if not ref[ord(ch)]["nonspacing"])
        assert kept == ref[cp]["strip"], (hex(cp), kept, ref[cp]["strip"])

    # swift-format leaves the file as the script writes it, so --check compares like with like.
    header = ("// swift-format-ignore-file\n"
              f"// GENERATED by Scripts/reference/unicode_overlay.py from HF tokenizers {REFERENCE_VERSION}\n"
              f"// (BertNormalizer, BertPreTokenizer, NFD, NFKC) against ICU (Unicode {icu_version}).\n"
              "// Do not edit: re-run the script. Each table lists where the reference disagrees with\n"
              "// the ICU-derived property of the same name in UnicodeProperties.swift.\n")
    parts = [header, "enum ReferenceOverlay {\n",
             f"    /// The ICU Unicode version these differences were computed against.\n"
             f"    static let icuUnicodeVersion = \"{icu_version}\"\n"
             f"    static let referenceVersion = \"tokenizers {REFERENCE_VERSION}\"\n\n"]
    docs = dict(
        deleted="clean_text deletes (NUL, U+FFFD, `is_control` of the reference's tables).",
        clean_space="clean_text turns into a space (`is_whitespace` plus tab, LF, CR).",
        cjk="handle_chinese_chars pads with spaces (its ranges skip U+2B820...U+2B91F).",
        split_space="The pre-tokenizer splits on (Rust `char::is_whitespace`).",
        punct="The pre-tokenizer isolates (ASCII punctuation or P* of its tables).",
        nonstarter="Canonical combining class is non-zero (takes part in NFD reordering).",
        nonspacing="strip_accents drops after NFD (Mn of its tables; only code points NFD keeps).")
    for prop in SWIFT_NAMES:
        parts.append(swift_ranges(SWIFT_NAMES[prop],
                                  "Code points where the reference's answer differs from ICU's: " + docs[prop],
                                  toggles[prop]) + "\n")
    parts.append(swift_mapping("canonicalDecomposition", "NFD of one code point where the reference's differs.",
                               maps["nfd"]) + "\n")
    parts.append(swift_mapping("lowercase", "Full lowercase of one code point where the reference's differs.",
                               maps["lower"]) + "\n")
    parts.append(swift_mapping("nfkc", "NFKC of one code point where the reference's differs.", maps["nfkc"]))
    parts.append("}\n")
    os.makedirs(os.path.dirname(OVERLAY), exist_ok=True)
    with open(OVERLAY, "w") as f:
        f.write("".join(parts))

    write_fixture(ref)
    write_alignments()


# ---------------------------------------------------------------- fixture
COMBOS = [  # name, normalizer: reference output per code point, straight from the reference
    ("default", bert(True, True, None, True)),
    ("no-lowercase", bert(True, True, None, False)),
    ("lowercase-keep-accents", bert(True, True, False, True)),
    ("strip-accents-no-lowercase", bert(True, True, True, False)),
    ("nothing", bert(False, False, False, False)),
    ("nfkc+default", Sequence([NFKC(), bert(True, True, None, True)])),
]


def hangul_nfd(cp):
    """The algorithmic decomposition of a precomposed Hangul syllable (Unicode 3.12)."""
    s = cp - 0xAC00
    if not 0 <= s < 11172:
        return None
    lead, vowel, trail = 0x1100 + s // 588, 0x1161 + (s % 588) // 28, 0x11A7 + s % 28
    return chr(lead) + chr(vowel) + (chr(trail) if trail != 0x11A7 else "")


def encode_output(cp, out):
    """One code point's action; the second value says whether equal neighbours may merge."""
    c = chr(cp)
    if out == "":
        return "-"
    if out == " ":
        return "_"
    if out == f" {c} ":
        return "cjk"
    if out == hangul_nfd(cp):
        return "hangul"
    if len(out) == 1:
        return f"{ord(out) - cp:+d}"
    return " ".join(f"{ord(x):X}" for x in out)


def write_fixture(ref):
    lines = [f"# GENERATED by Scripts/reference/unicode_overlay.py from HF tokenizers {REFERENCE_VERSION}; do not edit.",
             "# Per option set: every code point whose normalize_str output differs from itself, as",
             "# 'START END ACTION' (hex, inclusive). Actions: '-' deleted, '_' one space, 'cjk' padded with",
             "# spaces, 'hangul' the algorithmic Hangul decomposition, '+N'/'-N' the one code point cp+N,",
             "# else the output code points in hex (then START == END).",
             "# 'split' sections list the BertPreTokenizer classes: whitespace (split) and punctuation (isolated)."]
    for name, norm in COMBOS:
        lines.append(f"[{name}]")
        run = None
        for cp in SCALARS:
            out = norm.normalize_str(chr(cp))
            if out == chr(cp):
                continue
            action = encode_output(cp, out)
            mergeable = " " not in action
            if run and mergeable and run[2] == action and run[1] == cp - 1:
                run[1] = cp
                continue
            if run:
                lines.append(f"{run[0]:X} {run[1]:X} {run[2]}")
            run = [cp, cp, action]
        if run:
            lines.append(f"{run[0]:X} {run[1]:X} {run[2]}")
    for name, prop in (("split whitespace", "split_space"), ("split punctuation", "punct")):
        lines.append(f"[{name}]")
        lines += [f"{a:X} {b:X}" for a, b in ranges(cp for cp in SCALARS if ref[cp][prop])]
    with open(FIXTURE, "w") as f:
        f.write("\n".join(lines) + "\n")


# ---------------------------------------------------------------- alignments
# Hand-picked strings for each quirk, then seeded random strings over an alphabet rich in
# what interacts across characters: combining marks of different classes (NFD reorders them),
# Mc marks with a class (kept by strip_accents), controls, CJK, case specials.
EDGE_STRINGS = [
    "Hello, World!", "ΟΔΟΣ Σ σς", "İstanbul", "a\x0bb\x0cc\x85d", "a\u00a0b\u3000c\u2028d", "tab\there\r\nend",
    "中文字符", "\U0002B81F\U0002B820\U0002B91F\U0002B920", "\uF900\U0002F800 x", "ﬁ ﬂ ｆｕｌｌ ①", "e\u0301 é",
    "x\U0001D16D\U0001D165y", "x\U0001D16D\u0301\U0001D165y", "a\u0301\u0316b", "Crème Brûlée", "naïve café",
    "\U0001D15E\U0001D16D", "\u0345\u0301\u0316", "a\x00b\ufffdc", "\u200bzero\u200dwidth\ufeff", "$5+3=8 ^_^ ~|`",
    "\u00bfQu\u00e9?\u00a1S\u00ed!", "\u0130\u0049\u0131", "\u1E9E\u00DF", "\u01C5\u01C4", "\u2160\u24B6",
    "\u0891\u08E2\U00013430", "\U00011938", "\uA7CB\U00010D50", "\u3300\u32FF", "",
]
ALPHABET = ([chr(c) for c in range(0x20, 0x7F)] + list("ÀéÎõüÿĀğİıŁœſƒǅΆΣςЁжѢ中文日本語한국어") +
            [chr(c) for c in (0x0300, 0x0301, 0x0316, 0x0327, 0x0345, 0x05B0, 0x0E49, 0x302A, 0x1D165, 0x1D16D,
                              0x1D167, 0x0F39, 0x093C, 0x0951, 0x11938, 0x1E94A)] +
            ["\x00", "\x0b", "\x0c", "\x85", "\t", "\n", "\r", "\u00a0", "\u200b", "\u2028", "\ufffd", "\ue000",
             "\uF900", "\U0002B820", "\uFB01", "\u2460", "\uFF21", "\u00BF", "\u3002", "\u0890", "\uAC00", "\u1100"])
OPTION_SETS = [
    dict(clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=True),
    dict(clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=False),
    dict(clean_text=True, handle_chinese_chars=True, strip_accents=True, lowercase=False),
    dict(clean_text=False, handle_chinese_chars=False, strip_accents=False, lowercase=True),
]


def alignments(options, text):
    """The reference's words and, per character of each word, its byte range in `text`."""
    normalizer = BertNormalizer(**options)
    words = PreTokenizedString(text)
    words.normalize(lambda n: normalizer.normalize(n))
    BertPreTokenizer().pre_tokenize(words)
    split = words.get_splits("original", "byte")
    chars = PreTokenizedString(text)
    chars.normalize(lambda n: normalizer.normalize(n))
    BertPreTokenizer().pre_tokenize(chars)
    Split(Regex("(?m).|\\n"), "isolated").pre_tokenize(chars)
    per_char = iter(chars.get_splits("original", "byte"))
    out = []
    for word, _, _ in split:
        ranges = []
        for ch in word:
            piece, (start, end), _ = next(per_char)
            assert piece == ch
            ranges.append([start, end])
        out.append([word, ranges])
    return out


def write_alignments():
    rng = random.Random(20261121)
    strings = EDGE_STRINGS + ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 24))) for _ in range(400)]
    with open(ALIGNMENTS, "w") as f:
        f.write(json.dumps({"generator": "Scripts/reference/unicode_overlay.py",
                            "reference": f"tokenizers {REFERENCE_VERSION}"}) + "\n")
        for text in strings:
            for options in OPTION_SETS:
                f.write(json.dumps({"text": text, "options": options, "words": alignments(options, text)},
                                   ensure_ascii=False) + "\n")
        # Pre-normalization (our option; the reference's equivalent is Sequence([NFC|NFKC, Bert])):
        # words only, since offsets of composed characters are attributed differently (ours cover
        # every source scalar of the composition; the reference's only the first).
        for text in strings:
            for name, form in (("nfc", NFC()), ("nfkc", NFKC())):
                for lowercase in (True, False):
                    normalizer = Sequence([form, BertNormalizer(lowercase=lowercase)])
                    words = [w for w, _ in BertPreTokenizer().pre_tokenize_str(normalizer.normalize_str(text))]
                    options = dict(clean_text=True, handle_chinese_chars=True, strip_accents=None,
                                   lowercase=lowercase, pre_normalization=name)
                    f.write(json.dumps({"text": text, "options": options, "words_only": words},
                                       ensure_ascii=False) + "\n")


def check():
    """Regenerate into a temporary directory and compare with the committed files (exit 1 on drift)."""
    global OVERLAY, FIXTURE, ALIGNMENTS
    committed = [OVERLAY, FIXTURE, ALIGNMENTS]
    with tempfile.TemporaryDirectory() as tmp:
        OVERLAY, FIXTURE, ALIGNMENTS = (os.path.join(tmp, os.path.basename(p)) for p in committed)
        main()
        fresh = [OVERLAY, FIXTURE, ALIGNMENTS]
        stale = [c for c, f in zip(committed, fresh) if open(c, "rb").read() != open(f, "rb").read()]
    for path in stale:
        print(f"unicode overlay check: {os.path.relpath(path, ROOT)} differs from a fresh run "
              f"(re-run Scripts/reference/unicode_overlay.py)", file=sys.stderr)
    print(f"unicode overlay check: {'OK' if not stale else 'STALE'} ({len(committed)} generated files, "
          f"tokenizers {REFERENCE_VERSION})")
    sys.exit(1 if stale else 0)


if __name__ == "__main__":
    if sys.argv[1:] == ["--alignments-only"]:
        write_alignments()
    elif sys.argv[1:] == ["--check"]:
        check()
    else:
        main()
