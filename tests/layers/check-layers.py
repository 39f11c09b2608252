#!/usr/bin/env python3
"""check-layers: the include graph of daemon/ against the layer order of docs/design.md.

Layers, lowest first (a folder may include its own headers and those of LOWER layers only; folders on
the same layer do not include each other):

    core  <-  security, store, testdef  <-  metrics  <-  engine  <-  runs, sched  <-  http, cli, agent

demo (the demo target) uses core only; daemon/main.c wires everything and may include anything.
Within a folder, modules (x.c, x.h, x_priv.h) must not include each other both ways. A folder's own
private header (testdef/testdef_priv.h: what every file of the folder shares) is no module's.

Usage: check-layers.py [--tap] SRCDIR   (exit 1 on a violation). Prints TAP with --tap.
"""
import os
import re
import sys

LAYERS = {
    "core": 0,
    "security": 1, "store": 1, "testdef": 1,
    "metrics": 2,
    "engine": 3,
    "runs": 4, "sched": 4,
    "http": 5, "cli": 5, "agent": 5,
}
ONLY = {"demo": {"core"}}      # folders outside the stack: what they may include besides themselves
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def module_of(path):
    """daemon/engine/worker_priv.h -> engine/worker"""
    folder, name = path.split("/")[-2:]
    stem = os.path.splitext(name)[0]
    if stem.endswith("_priv"):
        stem = stem[: -len("_priv")]
    return folder + "/" + stem


def check(srcdir):
    daemon = os.path.join(srcdir, "daemon")
    problems, files = [], 0
    edges = {}
    for folder in sorted(os.listdir(daemon)):
        fdir = os.path.join(daemon, folder)
        if not os.path.isdir(fdir):
            continue
        if folder not in LAYERS and folder not in ONLY:
            problems.append(f"daemon/{folder}/ has no place in the layer order: add it to {sys.argv[0]} "
                            "and docs/design.md")
            continue
        for name in sorted(os.listdir(fdir)):
            if not name.endswith((".c", ".h")):
                continue
            files += 1
            rel = f"daemon/{folder}/{name}"
            with open(os.path.join(fdir, name), encoding="utf-8") as f:
                text = f.read()
            for inc in INCLUDE.findall(text):
                if "/" not in inc:
                    problems.append(f"{rel}: #include \"{inc}\": name headers by folder (\"{folder}/{inc}\")")
                    continue
                to = inc.split("/")[0]
                if to == folder:
                    a, b = module_of(rel), module_of(inc)
                    if inc == f"{folder}/{folder}_priv.h":
                        continue
                    if a != b:
                        edges.setdefault(a, set()).add(b)
                    continue
                if folder in ONLY:
                    ok = to in ONLY[folder]
                else:
                    ok = to in LAYERS and LAYERS[to] < LAYERS[folder]
                if not ok:
                    problems.append(f"{rel}: #include \"{inc}\": {folder} may not include {to} "
                                    f"({describe(folder)})")
    for a, targets in sorted(edges.items()):
        for b in sorted(targets):
            if a < b and a in edges.get(b, set()):
                problems.append(f"{a} and {b} include each other: one of them should be below the other")
    return files, problems


def describe(folder):
    if folder in ONLY:
        return f"{folder} uses " + ", ".join(sorted(ONLY[folder])) + " only"
    lower = sorted((f for f, r in LAYERS.items() if r < LAYERS[folder]), key=lambda f: (LAYERS[f], f))
    return f"{folder} may use " + (", ".join(lower) if lower else "nothing else")


def main():
    args = [a for a in sys.argv[1:] if a != "--tap"]
    tap = "--tap" in sys.argv[1:]
    srcdir = args[0] if args else "."
    files, problems = check(srcdir)
    if tap:
        print("1..2")
        print(f"{'ok' if files > 0 else 'not ok'} 1 - {files} daemon source files read")
        print(f"{'not ok' if problems else 'ok'} 2 - includes point down the layers")
        for p in problems:
            print(f"#   {p}")
    else:
        for p in problems:
            print(p)
    return 1 if problems or files == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
