#!/usr/bin/env python3
"""Live parity of `prep normalize --offsets` with HF tokenizers 0.23.3 (BertNormalizer +
BertPreTokenizer) over every line of the given text files: words and UTF-8 byte offsets, for
lowercase on and off (and --unicode reference, the default). Exits 1 on any difference, naming
file, line, and both word lists. Used by Scripts/parity/normalizer."""
import argparse
import json
import subprocess
import sys

import tokenizers
from tokenizers import PreTokenizedString
from tokenizers.normalizers import BertNormalizer
from tokenizers.pre_tokenizers import BertPreTokenizer

REFERENCE_VERSION = "0.23.3"


def reference_words(normalizer, text):
    words = PreTokenizedString(text)
    words.normalize(lambda n: normalizer.normalize(n))
    BertPreTokenizer().pre_tokenize(words)
    return [[w, start, end] for w, (start, end), _ in words.get_splits("original", "byte")]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--prep", required=True)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    if tokenizers.__version__ != REFERENCE_VERSION:
        sys.exit(f"normalizer parity: need tokenizers=={REFERENCE_VERSION}, found {tokenizers.__version__}")
    failures = 0
    for lowercase in (True, False):
        normalizer = BertNormalizer(lowercase=lowercase)
        lines_checked = words_checked = 0
        for path in args.files:
            data = open(path, "rb").read()
            lines = data.decode("utf-8").split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            command = [args.prep, "normalize", "--offsets", "--input", path] + ([] if lowercase else ["--no-lowercase"])
            ours = subprocess.run(command, check=True, capture_output=True).stdout.decode("utf-8").splitlines()
            if len(ours) != len(lines):
                print(f"{path}: prep printed {len(ours)} lines for {len(lines)} input lines", file=sys.stderr)
                failures += 1
                continue
            for number, (text, mine) in enumerate(zip(lines, ours), 1):
                want = reference_words(normalizer, text)
                got = json.loads(mine)
                if got != want:
                    failures += 1
                    if failures <= 10:
                        print(f"{path}:{number} lowercase={lowercase}\n  ours:      {got}\n  reference: {want}",
                              file=sys.stderr)
                lines_checked += 1
                words_checked += len(want)
        print(f"normalizer parity (lowercase={lowercase}): {lines_checked} lines, {words_checked} words, "
              f"{'OK' if failures == 0 else f'{failures} lines differ'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
