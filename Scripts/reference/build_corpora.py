#!/usr/bin/env python3
"""Rebuild Corpora/ from openly licensed Debian packages (provenance in Corpora/README.md).

Not needed for tests: the outputs are committed. Run on Debian 12 with network access to the
Debian archive:   python3 Scripts/reference/build_corpora.py
It `apt-get download`s the source packages into a temporary directory (bible-kjv must be
installed for the KJV text), unpacks them with `dpkg -x` and writes Google-BERT-format text
(one sentence per line, a blank line between documents) plus one JSONL file. Output is
deterministic for the pinned package versions listed in Corpora/README.md.
"""
import gzip, json, os, re, subprocess, sys, tempfile, unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "Corpora"
PACKAGES = ["maint-guide", "maint-guide-fr", "maint-guide-de", "maint-guide-es", "maint-guide-ru",
            "maint-guide-ja", "maint-guide-vi", "maint-guide-zh-tw", "debian-faq-ko", "manpages-el"]


def fetch(tmp: Path) -> Path:
    x = tmp / "x"
    x.mkdir()
    subprocess.run(["apt-get", "download", *PACKAGES], cwd=tmp, check=True)
    for deb in sorted(tmp.glob("*.deb")):
        subprocess.run(["dpkg", "-x", str(deb), str(x / deb.name.split("_")[0])], check=True)
    return x


def wide(ch: str) -> bool:
    # Hangul text is wrapped at spaces, Chinese/Japanese anywhere.
    return unicodedata.east_asian_width(ch) in ("W", "F") and not ("\uac00" <= ch <= "\ud7a3")


def join_lines(lines):
    """Undo hard wrapping: CJK/kana/hangul wrapped mid-word join without a space."""
    out = ""
    for ln in lines:
        ln = ln.strip()
        if not ln:
            continue
        if out and not (wide(out[-1]) and wide(ln[0])):
            out += " "
        out += ln
    return out


SENT_LATIN = re.compile(r"(?<=[.!?])\s+(?=[\"«„(¿¡A-ZÀ-ÖØ-ÞΑ-ΩА-ЯЁ0-9])")
SENT_CJK = re.compile(r"(?<=[。！？])(?![」』）”])|(?<=[。！？][」』）”])")


def sentences(par: str):
    for s in SENT_LATIN.split(par):
        for t in SENT_CJK.split(s):
            t = t.strip()
            if t:
                yield t


LIST_LINE = re.compile(r"^\s*([0-9A-Z]+\.)+[0-9]*\s")


def doc_text(path: Path):
    """maint-guide / debian-faq plain-text rendering -> documents (lists of sentence lines).
    A new document starts at an unindented heading once the current one has some text."""
    text = gzip.open(path, "rt", encoding="utf-8").read()
    docs, cur, par = [], [], []

    def flush_par():
        if not par:
            return
        if all(LIST_LINE.match(l) for l in par) or any(l.startswith("        ") for l in par):
            cur.extend(l.strip() for l in par if l.strip())  # lists, code: keep lines
        else:
            cur.extend(sentences(join_lines(par)))
        par.clear()

    for line in text.split("\n"):
        line = line.rstrip()
        if not line.strip():
            flush_par()
            continue
        if not line[0].isspace() and len(cur) >= 5:
            flush_par()
            docs.append(cur)
            cur = []
        par.append(line)
    flush_par()
    if cur:
        docs.append(cur)
    return docs


def kjv(spec: str):
    out = subprocess.run(["bible", spec], check=True, capture_output=True, text=True).stdout
    docs, cur, verse = [], [], None
    for line in out.split("\n"):
        m = re.match(r"^\s+\d+ (.*)$", line)
        if re.match(r"^[1-3]?\s?[A-Z][a-z]+( [A-Z][a-z]+)* \d+$", line.strip()) and not line.startswith(" "):
            if verse: cur.append(verse)
            if cur: docs.append(cur)
            cur, verse = [], None
        elif m:
            if verse: cur.append(verse)
            verse = m.group(1).strip()
        elif line.strip() and verse is not None:
            verse += " " + line.strip()
    if verse: cur.append(verse)
    if cur: docs.append(cur)
    return docs


def fortunes(path: Path):
    docs, cur = [], []
    for line in open(path, encoding="utf-8").read().split("\n"):
        if line.strip() == "%":
            if cur: docs.append(cur)
            cur = []
        elif line.strip():
            cur.append(line.rstrip())
    if cur: docs.append(cur)
    return docs


def manpage(path: Path):
    env = dict(os.environ, MANWIDTH="100000", LANG="C.UTF-8")
    out = subprocess.run(["man", "-l", str(path)], check=True, capture_output=True, env=env).stdout
    out = subprocess.run(["col", "-b"], input=out, check=True, capture_output=True).stdout.decode()
    return [[l.strip(" ") for l in out.split("\n") if l.strip()]]


def unicode_edge():
    """Own work (CC0): lines that exercise every character class of the BERT normalizer and
    pre-tokenizer. Written with escapes so the file's bytes are reviewable here."""
    long_word = "pneumonoultramicroscopicsilicovolcanoconiosis" * 3          # 135 scalars
    docs = [
        ["C0 controls: NUL[\x00] SOH[\x01] BEL[\x07] BS[\x08] ESC[\x1b] US[\x1f] DEL[\x7f] end.",
         "Vertical tab[\x0b]and form feed[\x0c]and next line[\x85]are deleted, not spaces.",
         "C1 controls: \x80\x81\x8d\x90\x9b\x9f between words x\x9dy.",
         "Tab\tseparated\tfields\t\tand trailing tab\t",
         "Carriage return inside\rthe line and at the end\r",
         "Only a carriage return follows:",
         "\r",
         "   leading and trailing spaces   ",
         "\t \t",
         "File/group/record/unit separators: a\x1cb\x1dc\x1ed\x1fe",
         "Line separator a\u2028b and paragraph separator c\u2029d.",
         "Replacement character \ufffd and \ufffd\ufffd doubled, and x\ufffdy inside a word.",
         "Zero width: zero\u200bwidth space, non\u200cjoiner, jo\u200diner, word\u2060joiner, BOM\ufeffinside.",
         "Soft hyphen: hy\u00adphen\u00adation; bidi marks \u200eLTR\u200f \u202aembed\u202c \u2066isolate\u2069.",
         "Spaces: no-break[\u00a0] en[\u2002] em[\u2003] thin[\u2009] hair[\u200a] narrow[\u202f] ideographic[\u3000] ogham[\u1680].",
         "Private use \ue000\uf8ff and noncharacters \ufdd0 \ufffe \uffff \U0010fffe \U0010ffff.",
         "Unassigned code points: \u0378 \u0530 \u2fff \U0001fffe \U000e0fff \U0003134b \U00031350."],
        ["Combining marks: e\u0301 a\u0300 o\u0308 n\u0303 c\u0327 and stacked a\u0301\u0302\u0303\u0304.",
         "Precomposed: café naïve résumé Ångström Øre Łódź Straße ÆØÅ œuvre ĳssel.",
         "Vietnamese: Tiếng Việt có dấu: người, được, những, Nguyễn, Phở.",
         "Lone combining mark at start: \u0301abc and after space \u0308.",
         "Combining grapheme joiner a\u034fb; enclosing circle 1\u20dd; Hebrew points \u05e9\u05c1\u05b8\u05dc\u05d5\u05b9\u05dd.",
         "Greek: ΟΔΟΣ οδός Σίσυφος ΣΊΣΥΦΟΣ ἄλφα ᾅδης Ὀδυσσεύς ΐ ΰ ς.",
         "Turkish: İstanbul IĞDIR ıi İi ǅ ǈ ǋ ß ẞ ﬀ.",
         "Cyrillic: Москва ЁЛКА ёлка Ѐ ѝ Україна Їжак ґ Ґ.",
         "Armenian and Georgian: Երևան ﬓ ՙ Ⴀ ა Ა."],
        ["CJK basic 中文字符 and extension A \u3400\u4db5 and compatibility \uf900\ufa6d.",
         "Extension B: \U00020000\U00020001 \U0002a6d6 and ext C/D \U0002a700 \U0002b734 \U0002b740 \U0002b81d.",
         "The reference's gap U+2B820..U+2B91F: \U0002b81f\U0002b820\U0002b821 \U0002b91e\U0002b91f\U0002b920.",
         "Ext E/F/G and compatibility supplement: \U0002ceb0 \U0002ebe0 \U00030000 \U0002f800\U0002fa1d.",
         "Japanese かな カナ ｶﾅ ー々〆 and Korean 한국어 ᄀ ᅡ ᆨ 각.",
         "Thai: ภาษาไทย ก่อน ที่ and Lao ພາສາລາວ.",
         "Arabic: مرحبا بالعالم، كيف حالك؟ ١٢٣ and Hebrew: שלום עולם, מה שלומך?",
         "Devanagari: हिन्दी नमस्ते क्षत्रिय and Tamil தமிழ்.",
         "Fullwidth: ＡＢＣ　ｆｕｌｌｗｉｄｔｈ！？１２３，．（）［］",
         "Ligatures and compatibility: ﬁnance ﬂow ﬃ ﬄ ﬅ ㎏ ℃ ① ² ½ Ⅻ ℌ ℡ ™."],
        ["Emoji: 😀 👍🏽 👨\u200d👩\u200d👧\u200d👦 🇫🇷 ❤\ufe0f #\ufe0f\u20e3 🏳\ufe0f\u200d🌈.",
         "Symbols: © ® § ¶ † ‡ • … ‰ ′ ″ ‹ › « » “quotes” ‘single’ ‚low„ ¿¡ ¦ ¬ ° ± × ÷.",
         "Currency: $5 €5 £5 ¥5 ₹5 ₽5 ¢ ₩ ₿ and math: ∀x∈ℝ: x² ≥ 0 ∑ ∏ √ ∞ ≠ ≈.",
         "ASCII punctuation: !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ all of it.",
         "Unicode punctuation: – — ‐ ‑ ‒ ― ‖ ‗ ※ ‼ ⁇ ⁈ 、。「」『』【】〈〉《》・ ¡ ¿ ՞ ׃ ؟ ۔ ।",
         "Dashes in words: well‐known co‑operate e.g. U.S.A. 3.14 1,000,000 -1 +1 a_b a-b a'b.",
         "URLs and paths: https://example.org/a?b=c&d=e#f /usr/share/doc/x.txt C:\\Windows\\x.ini user@example.com."],
        ["Special tokens: [CLS] starts, [SEP] separates, [MASK] hides, [PAD] pads, [UNK] unknown.",
         "Glued: x[CLS]y [SEP][SEP] [MASK]ed un[MASK] [cls] [Sep] [ MASK ] [MASK",
         "Lowercase specials are not special: [cls] [sep] [mask]; nor are ##suffix or ## alone.",
         "Long word: " + long_word + " end.",
         "Exactly 100: " + "a" * 100 + " and 101: " + "b" * 101 + ".",
         "Long CJK run is split per character: " + "中" * 150 + ".",
         "Long accented word: " + "é" * 60 + "e\u0301" * 30 + ".",
         "Unmatchable piece: abc\u0378def, x\ue000y, hello\U0001fffeworld.",
         "Numbers: 0 00 007 3.14159 1e10 2026-11-21 12:34:56 ٣٤٥ ۴۵۶ ५६७."],
        ["",],
    ]
    docs[-1] = ["Last document after an empty line: mixed 中文 English Ελληνικά Русский ﬁ İ."]
    return docs


def take(docs, limit_bytes):
    out, size = [], 0
    for d in docs:
        if size >= limit_bytes:
            break
        out.append(d)
        size += sum(len(s.encode()) + 1 for s in d) + 1
    return out


def write_bert(rel: str, docs):
    p = OUT / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    with open(p, "w", encoding="utf-8", newline="") as f:
        f.write("\n\n".join("\n".join(d) for d in docs) + "\n")
    print(f"{rel}: {p.stat().st_size} bytes, {len(docs)} documents", file=sys.stderr)


def main():
    with tempfile.TemporaryDirectory() as t:
        x = fetch(Path(t))
        mg = lambda lang: doc_text(next((x / f"maint-guide-{lang}").rglob("*.txt.gz")))
        write_bert("en/kjv-sample.txt", kjv("Ge1:1-50:26") + kjv("Ru1:1-4:22") + kjv("Jn1:1-21:25"))
        write_bert("en/maint-guide-sample.txt", take(doc_text(next((x / "maint-guide").rglob("*.txt.gz"))), 120_000))
        write_bert("zh/tang300.txt", fortunes(Path("/usr/share/games/fortunes/tang300")))
        write_bert("zh/song100.txt", fortunes(Path("/usr/share/games/fortunes/song100")))
        write_bert("zh/fortunes-sample.txt", take(fortunes(Path("/usr/share/games/fortunes/chinese")), 150_000))
        write_bert("zh/maint-guide-zh-tw-sample.txt", take(mg("zh-tw"), 60_000))
        write_bert("fr/maint-guide-sample.txt", take(mg("fr"), 120_000))
        write_bert("de/maint-guide-sample.txt", take(mg("de"), 120_000))
        write_bert("es/maint-guide-sample.txt", take(mg("es"), 120_000))
        write_bert("vi/maint-guide-sample.txt", take(mg("vi"), 40_000))
        write_bert("ru/maint-guide-sample.txt", take(mg("ru"), 160_000))
        write_bert("ja/maint-guide-sample.txt", take(mg("ja"), 40_000))
        ko = doc_text(next((x / "debian-faq-ko").rglob("*.txt.gz")))
        write_bert("ko/debian-faq-sample.txt", take(ko, 40_000))
        write_bert("mixed/unicode-edge.txt", unicode_edge())
        write_bert("el/manpages-el.txt", [d for p in sorted((x / "manpages-el").rglob("*.1.gz")) for d in manpage(p)])
        # JSONL: one document per line, paragraphs joined by "\n" as in wiki dumps; text the
        # plain-text files above do not contain (other KJV books, later maint-guide chapters).
        jdocs = []
        for d in kjv("Ps1:1-41:13"):
            jdocs.append({"text": " ".join(d), "source": "kjv-psalms"})
        for lang in ["fr", "de", "es", "ru"]:
            rest = mg(lang)[len(take(mg(lang), 120_000 if lang != "ru" else 160_000)):]
            for d in take(rest, 25_000):
                jdocs.append({"text": "\n".join(d), "source": f"maint-guide-{lang}"})
        p = OUT / "jsonl/wiki-style.jsonl"
        p.parent.mkdir(parents=True, exist_ok=True)
        with open(p, "w", encoding="utf-8") as f:
            for d in jdocs:
                f.write(json.dumps(d, ensure_ascii=False) + "\n")
        print(f"jsonl/wiki-style.jsonl: {p.stat().st_size} bytes, {len(jdocs)} documents", file=sys.stderr)


if __name__ == "__main__":
    main()
