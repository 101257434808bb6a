"""JSONL lines, valid and broken, with Python's `json` verdict on each, for StrictJSONTests.

Deterministic (seeded): each case is a seed object line with one to three random edits
(delete, insert or duplicate bytes from a JSON-ish alphabet). The verdict is what
`json.loads` says, with two documented departures of our reader: NaN/Infinity are refused
(parse_constant raises), and a lone surrogate in the text becomes U+FFFD (it has no UTF-8).

    python Scripts/reference/strict_json_cases.py   # writes Tests/TokenizationTests/Fixtures/strict-json-cases.jsonl
"""

import json, pathlib, random, re

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests" / "TokenizationTests" / "Fixtures" / "strict-json-cases.jsonl"

SEEDS = [
    r'{"text": "hello world"}',
    r'{"id": 12, "text": "a \"quoted\" word\\n\u00e9\ud83d\ude00", "meta": {"n": [1, -2.5e3, true, false, null]}}',
    r'{"meta": {"text": "inner"}, "text": "outer", "x": [[], {}, [{}]]}',
    r'{"text": "first", "text": "last"}',
    r'{ "a" : 0 , "b" : -0.0e-0 , "text" : "\/\b\f\r\t" }',
    r'{"text": 5, "text": "five"}',
    r'{"text": "\ud800 lone", "z": "\u0000"}',
    r'{"t\u0065xt": "escaped key"}',
]
ALPHABET = list('{}[]",:\\ 0123456789aeEtfnul.-+/\t') + ["\\u", "\\ud800", "\\udc00", "NaN", "true", "null"]


def mutate(rng, line):
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(line) + 1)
        op = rng.random()
        if op < 0.4 and line:
            j = min(len(line), i + rng.randint(1, 3))
            line = line[:i] + line[j:]
        elif op < 0.85:
            line = line[:i] + rng.choice(ALPHABET) + line[i:]
        else:
            j = min(len(line), i + rng.randint(1, 6))
            line = line[:i] + line[i:j] + line[i:]
    return line


def refuse_constant(name):
    raise ValueError("constant " + name)


def verdict(line):
    try:
        value = json.loads(line, parse_constant=refuse_constant)
    except (ValueError, RecursionError):
        return {"valid": False}
    if not isinstance(value, dict):
        return {"valid": False, "python_value": "not an object"}
    if "text" not in value:
        return {"valid": True, "text_kind": "missing"}
    t = value["text"]
    if not isinstance(t, str):
        return {"valid": True, "text_kind": "not a string"}
    return {"valid": True, "text_kind": "string", "text": re.sub("[\ud800-\udfff]", "\ufffd", t)}


def main():
    rng = random.Random(18)
    cases = [(s, verdict(s)) for s in SEEDS]
    seen = set(SEEDS)
    while len(cases) < 4000:
        line = mutate(rng, rng.choice(SEEDS))
        if line in seen or "\n" in line:
            continue
        seen.add(line)
        cases.append((line, verdict(line)))
    with open(OUT, "w", encoding="ascii") as f:
        for line, v in cases:
            f.write(json.dumps({"line": line, **v}, ensure_ascii=True, sort_keys=True) + "\n")
    valid = sum(v["valid"] for _, v in cases)
    print(f"wrote {OUT}: {len(cases)} cases, {valid} valid objects by Python's json")


if __name__ == "__main__":
    main()
