#!/usr/bin/env bash
# Self-test of Scripts/parity/tokenizer's comparison logic, without prep: a reference-backed fake
# `prep encode` must pass; the same fake with one corrupted id, or with a missing last line,
# must fail with exit 1 and name the file and line.   Scripts/reference/selftest_tokenizer_parity.sh
set -uo pipefail
cd "$(dirname "$0")/../.."
export DRBERT_VENV="${DRBERT_VENV:-.venv-ref}"
fake=Scripts/reference/fake_prep_encode.py
files=(Corpora/mixed/unicode-edge.txt Corpora/jsonl/wiki-style.jsonl)
fail=0
check() { # name, expected rc, grep pattern, command...
    local name=$1 want=$2 pattern=$3; shift 3
    out=$("$@" 2>&1); rc=$?
    if [ "$rc" -ne "$want" ] || ! grep -q -- "$pattern" <<<"$out"; then
        echo "selftest FAIL: $name (rc $rc, want $want, pattern '$pattern')"; echo "$out" | tail -5; fail=1
    else
        echo "selftest ok: $name"
    fi
}
check "reference-backed fake passes" 0 "cased: 2 files.* OK" env PREP=$fake Scripts/parity/tokenizer "${files[@]}"
check "corrupted id is reported" 1 "DIFF bert-base-chinese cased: Corpora/mixed/unicode-edge.txt:7:" \
    env FAKE_PREP_CORRUPT=mixed/unicode-edge.txt:7 PREP=$fake Scripts/parity/tokenizer "${files[@]}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf '#!/usr/bin/env bash\n"%s" "$@" | head -n -1\n' "$PWD/$fake" > "$tmp/short-prep"; chmod +x "$tmp/short-prep"
check "missing line is reported" 1 "prep printed 98" env PREP="$tmp/short-prep" Scripts/parity/tokenizer Corpora/jsonl/wiki-style.jsonl
printf '#!/bin/sh\necho "prep: boom" >&2; exit 2\n' > "$tmp/bad-prep"; chmod +x "$tmp/bad-prep"
check "failing prep is reported" 1 "exited 2: prep: boom" env PREP="$tmp/bad-prep" Scripts/parity/tokenizer Corpora/mixed/unicode-edge.txt
printf '#!/usr/bin/env bash\necho "warning: x: 5 duplicate token(s)" >&2\n"%s" "$@"\n' "$PWD/$fake" > "$tmp/warn-prep"; chmod +x "$tmp/warn-prep"
check "a prep warning is reported" 1 "warned: warning: x: 5 duplicate" env PREP="$tmp/warn-prep" Scripts/parity/tokenizer Corpora/mixed/unicode-edge.txt
check "missing prep is a usage error" 2 "not found" env PREP=/nonexistent Scripts/parity/tokenizer
exit $fail
