#!/usr/bin/env python3
"""layers.py [SRC]: the house's rules, checked from the source's includes.

src/ is folders by layer, lowest first (docs/DESIGN.md). This fails when
- a file includes a project header of a higher folder, or one that does
  not exist, or names a project header without its folder;
- a file in a pure folder includes a header of the event loop, TLS,
  threads, sockets or descriptors (base/pool.c may map memory, and ask
  the page size: its blocks are the snapshot's);
- the includes between modules (a .c and its .h are one module) form a
  circle, inside a folder or across folders;
- a source file is over 800 lines;
- a folder is not in the order below, or the Makefile's list of a
  folder's modules is not what the folder holds.

Python 3 standard library only. Ends with "layers: N passed, N failed".
"""

import os
import re
import sys

ORDER = ["base", "text", "model", "proto", "render", "answer", "import",
         "serve", "daemon"]
PURE = {"base", "text", "model", "proto", "render", "answer"}
MAX_LINES = 800

# What a pure module must not include: the event loop, TLS, threads,
# sockets and descriptors. Address types (netinet/in.h, arpa/inet.h) are
# allowed: pure modules read addresses (a PROXY header, a limits key),
# they never touch a socket.
BANNED = [
    (re.compile(r"^event2?/"), "the event loop"),
    (re.compile(r"^openssl/"), "TLS"),
    (re.compile(r"^pthread\.h$"), "threads"),
    (re.compile(r"^sys/socket\.h$"), "sockets"),
    (re.compile(r"^netdb\.h$"), "sockets"),
    (re.compile(r"^(sys/)?(epoll|poll|select|eventfd|ioctl|inotify)\.h$"),
     "descriptors"),
    (re.compile(r"^sys/(epoll|poll|select|eventfd|ioctl|inotify|file|"
                r"sendfile|uio)\.h$"), "descriptors"),
    (re.compile(r"^(unistd|fcntl|dirent|signal)\.h$"), "descriptors"),
    (re.compile(r"^sys/(mman|stat|wait|resource|prctl|syscall)\.h$"),
     "the system"),
    (re.compile(r"^linux/"), "the system"),
]
EXCEPTIONS = {("base/pool.c", "sys/mman.h"), ("base/pool.c", "unistd.h")}

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


class Runner:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, name, problems):
        if problems:
            self.failed += 1
            print("FAIL %s" % name)
            for p in problems:
                print("  " + p)
        else:
            self.passed += 1
            print("ok %s" % name)


def sources(src):
    out = []
    for folder in sorted(os.listdir(src)):
        path = os.path.join(src, folder)
        if not os.path.isdir(path):
            out.append((None, folder))
            continue
        for name in sorted(os.listdir(path)):
            if name.endswith((".c", ".h")):
                out.append((folder, name))
    return out


def makefile_lists(root):
    """The Makefile's BASE = ..., TEXT = ... lists: folder -> modules."""
    path = os.path.join(root, "Makefile")
    lists = {}
    if not os.path.exists(path):
        return lists
    text = open(path).read()
    for folder in ORDER:
        m = re.search(r"^%s[ \t]*=[ \t]*(.*)$" % folder.upper(), text, re.M)
        if m:
            lists[folder] = set(m.group(1).split())
    return lists


def find_circles(graph):
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in graph.get(v, ()):
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "src")
    src = os.path.normpath(src)
    root = os.path.dirname(src)
    run = Runner()
    files = sources(src)
    rank = {f: i for i, f in enumerate(ORDER)}

    stray = ["%s: a file outside every layer's folder" % n
             for f, n in files if f is None]
    stray += ["%s/: not a layer (the order is %s)" % (f, " ".join(ORDER))
              for f in sorted({f for f, _ in files if f is not None})
              if f not in rank]
    run.check("every source file is in a layer's folder", stray)

    graph = {}
    for folder, name in files:
        if folder is None or folder not in rank:
            continue
        rel = "%s/%s" % (folder, name)
        text = open(os.path.join(src, folder, name), errors="replace").read()
        module = rel[:-2]
        graph.setdefault(module, set())
        problems = []
        for kind, target in INCLUDE.findall(text):
            if kind == "<":
                if folder in PURE and (rel, target) not in EXCEPTIONS:
                    for pat, what in BANNED:
                        if pat.search(target):
                            problems.append(
                                "includes <%s> (%s) in the pure folder %s/"
                                % (target, what, folder))
                            break
                continue
            parts = target.split("/")
            if len(parts) != 2:
                problems.append('includes "%s": a project header is named '
                                'by its folder, "folder/name.h"' % target)
                continue
            tf, tn = parts
            if tf not in rank:
                problems.append('includes "%s": %s/ is not a layer'
                                % (target, tf))
                continue
            if not os.path.exists(os.path.join(src, tf, tn)):
                problems.append('includes "%s", which does not exist'
                                % target)
                continue
            if rank[tf] > rank[folder]:
                problems.append('includes "%s": %s/ is above %s/'
                                % (target, tf, folder))
            other = target[:-2]
            if other != module:
                graph[module].add(other)
        lines = text.count("\n")
        if lines > MAX_LINES:
            problems.append("%d lines, over %d" % (lines, MAX_LINES))
        run.check(rel, problems)

    circles = find_circles(graph)
    run.check("no circle of includes between modules",
              ["circle: " + " <-> ".join(c) for c in circles])

    lists = makefile_lists(root)
    mismatch = []
    for folder in ORDER:
        have = {n[:-2] for f, n in files if f == folder and n.endswith(".c")}
        if folder not in lists and not have:
            continue  # a layer not yet needed
        if folder not in lists:
            mismatch.append("the Makefile has no %s = list"
                            % folder.upper())
            continue
        if have != lists.get(folder):
            mismatch.append("%s = %s, but src/%s/ holds %s" % (
                folder.upper(), " ".join(sorted(lists[folder])), folder,
                " ".join(sorted(have))))
    run.check("the Makefile lists each folder's modules", mismatch)

    print("layers: %d passed, %d failed" % (run.passed, run.failed))
    return 1 if run.failed else 0


if __name__ == "__main__":
    sys.exit(main())
