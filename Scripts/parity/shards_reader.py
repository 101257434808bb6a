"""An independent reader of docs/shard-format.md, for Scripts/parity/shards.

Written from the specification only: checks every checksum with the reference libxxhash
(Python `xxhash`), decompresses blocks with the `zstd` CLI, checks every structural
invariant, decodes every record and compares with what the Swift writer says it wrote.
"""
import hashlib, json
import os
import struct
import subprocess
import sys

import xxhash

WIDTH = {1: ("B", 1), 2: ("H", 2), 4: ("I", 4), 5: ("i", 4)}
TYPE_NAME = {1: "uint8", 2: "uint16", 4: "uint32", 5: "int32"}


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def read_shard(path):
    data = open(path, "rb").read()
    S = len(data)
    h = lambda a, b: xxhash.xxh64(data[a:b]).intdigest()
    u64 = lambda o: struct.unpack_from("<Q", data, o)[0]
    u32 = lambda o: struct.unpack_from("<I", data, o)[0]
    check(data[:8] == b"DRBSHARD", path + ": magic")
    check(u32(8) == 1 and u32(16) == 1, path + ": version/codec")
    H = u32(12)
    check(u64(H - 8) == h(0, H - 8), path + ": header checksum")
    F, M = u32(20), u32(24)
    o, fields, meta = 28, [], {}
    for _ in range(F):
        t = data[o]; n = struct.unpack_from("<H", data, o + 1)[0]
        fields.append((data[o + 3:o + 3 + n].decode(), t)); o += 3 + n
    for _ in range(M):
        kn = u32(o); k = data[o + 4:o + 4 + kn].decode(); o += 4 + kn
        vn = u32(o); v = data[o + 4:o + 4 + vn].decode(); o += 4 + vn
        meta[k] = v
    check(o == H - 8, path + ": header length")
    check(data[S - 8:] == b"DRBS-END", path + ": end magic")
    f = S - 40
    I, B, N = u64(f), u64(f + 8), u64(f + 16)
    check(u64(f + 24) == h(f, f + 24), path + ": footer checksum")
    check(S == I + 32 * B + 8 * N + 8 + 40, path + ": sizes")
    check(u64(I + 32 * B + 8 * N) == h(I, I + 32 * B + 8 * N), path + ": index checksum")
    # checksum_digest (dataset format 2): XXH64 of the stored checksums, header, blocks, index.
    stored = [u64(H - 8)]
    records, offset, first = [], H, 0
    for b in range(B):
        e = I + 32 * b
        off, fr, r, u, c, z = struct.unpack_from("<QQIIII", data, e)
        check(off == offset and fr == first and z == 0 and r >= 1, "%s: block %d entry" % (path, b))
        check(struct.unpack_from("<QIIII", data, off) == (fr, r, u, c, b), "%s: block %d header" % (path, b))
        check(u64(off + 24 + c) == h(off, off + 24 + c), "%s: block %d checksum" % (path, b))
        stored.append(u64(off + 24 + c))
        raw = subprocess.run(["zstd", "-d", "-q", "-c"], input=data[off + 24:off + 24 + c],
                             stdout=subprocess.PIPE, check=True).stdout
        check(len(raw) == u, "%s: block %d size" % (path, b))
        starts = []
        for i in range(fr, fr + r):
            rb, ro = struct.unpack_from("<II", data, I + 32 * B + 8 * i)
            check(rb == b, "%s: record %d block" % (path, i))
            starts.append(ro)
        check(starts[0] == 0 and starts == sorted(set(starts)), "%s: block %d offsets" % (path, b))
        for k, s in enumerate(starts):
            end = starts[k + 1] if k + 1 < len(starts) else u
            rec, p = [], s
            for _, t in fields:
                n = struct.unpack_from("<I", raw, p)[0]; p += 4
                fmt, w = WIDTH[t]
                rec.append(list(struct.unpack_from("<%d%s" % (n, fmt), raw, p))); p += n * w
            check(p == end, "%s: record %d length" % (path, fr + k))
            records.append(rec)
        offset += 24 + c + 8
        first += r
    check(offset == I and first == N, path + ": tiling")
    stored.append(u64(I + 32 * B + 8 * N))
    seal = xxhash.xxh64(b"".join(struct.pack("<Q", v) for v in stored)).hexdigest()
    return fields, meta, records, xxhash.xxh64(data).hexdigest(), S, seal


def main(directory):
    raw = open(os.path.join(directory, "manifest.json"), "rb").read()
    manifest = json.loads(raw)
    check(manifest["format_version"] == 2, "format_version")
    sealed = manifest["manifest_sha256"]
    check(raw.count(sealed.encode()) == 1, "manifest_sha256 occurs once")
    zeroed = raw.replace(sealed.encode(), b"0" * 64, 1)
    check(hashlib.sha256(zeroed).hexdigest() == sealed, "manifest_sha256 vs the file's bytes")
    expected = [json.loads(line) for line in open(os.path.join(directory, "expected.jsonl"))]
    schema = [(f["name"], f["type"]) for f in manifest["schema"]["fields"]]
    got = []
    for k, s in enumerate(manifest["shards"]):
        fields, meta, records, digest, size, seal = read_shard(os.path.join(directory, s["file"]))
        check(seal == s["checksum_digest"], "%s: checksum_digest %s, manifest %s" % (s["file"], seal, s["checksum_digest"]))
        check([(n, TYPE_NAME[t]) for n, t in fields] == schema, s["file"] + ": schema vs manifest")
        check(meta == {"config_sha256": "parity", "shard": str(k)}, s["file"] + ": metadata")
        check(digest == s["xxh64"], "%s: whole-file xxh64 %s, manifest %s" % (s["file"], digest, s["xxh64"]))
        check(size == s["bytes"] and len(records) == s["records"], s["file"] + ": counts")
        got += records
    check(manifest["total_records"] == len(expected), "total_records")
    check(got == expected, "decoded records differ from what the writer wrote")
    print("OK: %d shards, %d records decoded independently; every checksum matches libxxhash %s"
          % (len(manifest["shards"]), len(got), xxhash.XXHASH_VERSION))


if __name__ == "__main__":
    main(sys.argv[1])
