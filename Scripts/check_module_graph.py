"""Reads `swift package dump-package` JSON on stdin; see Scripts/check-module-graph."""
import json, pathlib, re, sys
package = json.load(sys.stdin)
targets = {t["name"]: t for t in package["targets"]}
folder = lambda t: pathlib.Path(t.get("path") or ("Tests" if t["type"] == "test" else "Sources")) / (
    "" if t.get("path") else t["name"])
# Modules that come with the toolchain are not package dependencies.
toolchain = {"Foundation", "FoundationXML", "FoundationNetworking", "FoundationEssentials", "Glibc", "Dispatch", "XCTest", "Testing", "Synchronization", "os"}
products = {"ArgumentParser"}
failed = False
for name, t in targets.items():
    if t["type"] == "system":
        continue
    declared = {list(d.values())[0][0] for d in t.get("dependencies", [])}
    imported = set()
    for source in folder(t).rglob("*.swift"):
        for line in source.read_text(encoding="utf-8").splitlines():
            m = re.match(r"\s*(?:@testable\s+|@_implementationOnly\s+|(?:public|package|internal)\s+)?import\s+(?:struct\s+|class\s+|enum\s+|func\s+)?(\w+)", line)
            if m and m.group(1) not in toolchain:
                imported.add(m.group(1))
    if any(folder(t).rglob("*.c")):  # a C target: its headers name its system libraries
        imported = declared
    if t["type"] == "test" and name[:-5] in targets:
        imported.add(name[:-5])   # a test target depends on what it tests even when it runs it as a binary
    if declared != imported:
        failed = True
        print(f"{name}: declared {sorted(declared)} but imports {sorted(imported)}", file=sys.stderr)
    print(f"{name} -> {', '.join(sorted(declared)) or '(none)'}")
sys.exit(1 if failed else 0)
