"""Datasets made by the real `prep` (the release binary in $PREP) from the repository's
corpora, once per test session; `prep` is also the reference the loader is compared with."""
import json
import os
import pathlib
import subprocess

import pytest

REPOSITORY = pathlib.Path(__file__).resolve().parents[3]
VOCAB = REPOSITORY / "Vocab" / "bert-base-uncased" / "vocab.txt"
CORPUS = REPOSITORY / "Corpora" / "en" / "kjv-sample.txt"
OTHER_CORPUS = REPOSITORY / "Corpora" / "en" / "maint-guide-sample.txt"


class Prep:
    def __init__(self, path):
        self.path = str(path)

    def __call__(self, *args, check=True):
        done = subprocess.run([self.path, *map(str, args)], capture_output=True, text=True)
        if check and done.returncode != 0:
            raise AssertionError("prep %s failed (%d): %s" % (" ".join(map(str, args)), done.returncode, done.stderr))
        return done

    def stream_ids(self, *args):
        """`prep stream --print-ids`: one list of sample indices per batch."""
        out = self("stream", *args, "--print-ids").stdout
        return [[int(v) for v in line.split()] for line in out.splitlines() if line.strip()]

    def inspect(self, directory):
        out = self("inspect", directory, "--json").stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]


@pytest.fixture(scope="session")
def prep():
    path = os.environ.get("PREP")
    if not path:
        path = subprocess.check_output(["swift", "build", "-c", "release", "--show-bin-path"], cwd=REPOSITORY,
                                       text=True).strip() + "/prep"
    if not os.access(path, os.X_OK):
        pytest.skip("no prep binary at %s (set PREP)" % path)
    return Prep(path)


@pytest.fixture(scope="session")
def data(prep, tmp_path_factory):
    """tokens: document shards; instances: NSP instances with static whole-word masks
    (several shards); other: a second, smaller instance dataset (for mixing)."""
    root = tmp_path_factory.mktemp("drbert-data")
    made = {"root": root}
    for name, corpus in (("tokens", CORPUS), ("other-tokens", OTHER_CORPUS)):
        prep("tokenize", "--vocab", VOCAB, "--input", corpus, "--output", root / name)
        made[name] = root / name
    prep("mask", "--input", root / "tokens", "--output", root / "instances", "--vocab", VOCAB, "--pairs", "nsp",
         "--whole-word", "--dupe-factor", 2, "--seed", 11, "--documents-per-shard", 40)
    prep("mask", "--input", root / "other-tokens", "--output", root / "other", "--vocab", VOCAB,
         "--max-seq-length", 64, "--seed", 3)
    made["instances"] = root / "instances"
    made["other"] = root / "other"
    return made
