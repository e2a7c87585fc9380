#!/usr/bin/env python3
"""The layering, checked: the CMake link graph of leakwatch's rooms must be exactly the table in
docs/ARCHITECTURE.md ("Link graph"), every `#include "room/..."` of a room must name itself or a
room it links, and each heavy third-party header may be included only by the one room (and
files) that wraps it. Run by ctest as `architecture_check`; usage: architecture_check.py SOURCE_DIR
"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
problems = []

# --- the table -------------------------------------------------------------------------------
doc = (root / "docs/ARCHITECTURE.md").read_text()
section = doc.split("## Link graph", 1)
if len(section) != 2:
    sys.exit("architecture_check: docs/ARCHITECTURE.md has no '## Link graph' section")
allowed = {}
for line in section[1].splitlines():
    m = re.match(r"\|\s*`(leakwatch_\w+)`\s*\|(.*)\|\s*$", line)
    if m:
        allowed[m.group(1)] = set(re.findall(r"`(leakwatch_\w+)`", m.group(2)))
    elif line.startswith("## "):
        break
if not allowed:
    sys.exit("architecture_check: the '## Link graph' table is empty")

# --- the CMake link graph, as declared -------------------------------------------------------
declared, folder_of = {}, {}
ignored = {"leakwatch_warnings"}
for cm in sorted(root.glob("*/CMakeLists.txt")):
    folder = cm.parent.name
    if folder in ("tests", "bench", "build", "build-asan", "build-bench"):
        continue
    text = re.sub(r"#[^\n]*", "", cm.read_text())
    for m in re.finditer(r"add_library\(\s*(leakwatch_\w+)", text):
        if m.group(1) not in ignored:
            declared.setdefault(m.group(1), set())
            folder_of[m.group(1)] = folder
    for m in re.finditer(r"target_link_libraries\(\s*(leakwatch_\w+)([^)]*)\)", text):
        if m.group(1) in declared:
            declared[m.group(1)] |= set(re.findall(r"\b(leakwatch_\w+)", m.group(2))) - ignored

for target, links in sorted(declared.items()):
    if target not in allowed:
        problems.append(f"{target} ({folder_of[target]}/CMakeLists.txt) is not in the table")
    elif links != allowed[target]:
        extra, missing = links - allowed[target], allowed[target] - links
        if extra:
            problems.append(f"{target} links {sorted(extra)}, which the table does not allow")
        if missing:
            problems.append(f"{target} does not link {sorted(missing)}, which the table lists")
for target in sorted(set(allowed) - set(declared)):
    problems.append(f"the table lists {target}, which no CMakeLists.txt defines")

# --- includes follow the links ---------------------------------------------------------------
target_of_folder = {}
for target, folder in folder_of.items():
    if not target.endswith("_fixtures"):
        target_of_folder[folder] = target
for folder, target in sorted(target_of_folder.items()):
    reach = {folder} | {folder_of[t] for t in declared.get(target, ()) if t in folder_of}
    for src in sorted((root / folder).glob("*.[ch]*")):
        if src.name.endswith("_fixtures.cpp") or src.name.endswith("_fixtures.h"):
            continue
        for n, line in enumerate(src.read_text(errors="replace").splitlines(), 1):
            m = re.match(r'\s*#\s*include\s+"(\w+)/', line)
            if m and m.group(1) in target_of_folder and m.group(1) not in reach:
                problems.append(f"{folder}/{src.name}:{n} includes {m.group(1)}/, "
                                f"but {target} does not link {target_of_folder[m.group(1)]}")

# --- heavy headers stay in their wrapper ------------------------------------------------------
wrappers = {
    "curl/": r"^net/(http_client\.cpp|curl_exchange\.(h|cpp)|fetch_engine\.cpp)$",
    "rocksdb/": r"^store/rocks\w*\.(cpp|h)$",
    "libtorrent/": r"^crawler/torrent_(session|file)\.cpp$",
    "libxml/": r"^crawler/html_tree\.(h|cpp)$",
    "microhttpd.h": r"^api/",
    "nats/": r"^cluster/",
    "systemd/": r"^daemon/systemd_notify\.cpp$",
}
for folder in target_of_folder:
    for src in sorted((root / folder).glob("*.[ch]*")):
        rel = f"{folder}/{src.name}"
        for n, line in enumerate(src.read_text(errors="replace").splitlines(), 1):
            m = re.match(r"\s*#\s*include\s+<([^>]+)>", line)
            if not m:
                continue
            for prefix, owner in wrappers.items():
                if m.group(1).startswith(prefix) and not re.match(owner, rel):
                    problems.append(f"{rel}:{n} includes <{m.group(1)}>, which only {owner} may")

for p in problems:
    print("architecture_check:", p)
print(f"architecture_check: {len(declared)} targets, {len(problems)} problems")
sys.exit(1 if problems else 0)
