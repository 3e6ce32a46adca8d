#!/usr/bin/env python3
"""Prints the host's Debian bookworm apt sources as one-line entries, "URI SUITE COMPONENTS".

The base images are bootstrapped from, and their apt reads from, whatever mirror this host
is configured with: no mirror name is written into the repository. Reads the one-line format
(/etc/apt/sources.list, sources.list.d/*.list) and deb822 (sources.list.d/*.sources); keeps
binary ("deb") entries of the bookworm suites (bookworm, -updates, -security) only.
Exit 1 when no entry for the plain "bookworm" suite is found (nothing to bootstrap from).
"""

from __future__ import annotations

import glob
import os
import sys

APT_DIR = os.environ.get("APT_CONFIG_DIR", "/etc/apt")
RELEASE = os.environ.get("DEBIAN_RELEASE", "bookworm")


def one_line_entries(path: str):
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            words = line.split("#", 1)[0].split()
            if not words or words[0] != "deb":
                continue
            words = words[1:]
            if words and words[0].startswith("["):  # options such as [signed-by=...]
                while words and not words[0].endswith("]"):
                    words = words[1:]
                words = words[1:]
            if len(words) >= 3:
                yield words[0], words[1], words[2:]


def deb822_entries(path: str):
    with open(path, encoding="utf-8", errors="replace") as handle:
        paragraphs = handle.read().split("\n\n")
    for paragraph in paragraphs:
        fields, key = {}, None
        for line in paragraph.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            if line[0] in " \t" and key:  # continuation line
                fields[key] += " " + line.strip()
                continue
            key, _, value = line.partition(":")
            key = key.strip().lower()
            fields[key] = value.strip()
        if fields.get("enabled", "yes").lower() == "no" or "deb" not in fields.get("types", "").split():
            continue
        for uri in fields.get("uris", "").split():
            for suite in fields.get("suites", "").split():
                yield uri, suite, fields.get("components", "main").split()


def main() -> int:
    entries = []
    files = [os.path.join(APT_DIR, "sources.list")] + sorted(glob.glob(os.path.join(APT_DIR, "sources.list.d", "*.list")))
    for path in files:
        if os.path.isfile(path):
            entries += one_line_entries(path)
    for path in sorted(glob.glob(os.path.join(APT_DIR, "sources.list.d", "*.sources"))):
        entries += deb822_entries(path)
    seen = set()
    found_release = False
    for uri, suite, components in entries:
        if suite != RELEASE and not suite.startswith(RELEASE + "-") and not suite.startswith(RELEASE + "/"):
            continue
        if "main" not in components:
            continue
        key = (uri.rstrip("/"), suite)
        if key in seen:
            continue
        seen.add(key)
        found_release |= suite == RELEASE
        print(uri.rstrip("/"), suite, "main")
    if not found_release:
        print(f"apt_sources: no '{RELEASE}' entry in {APT_DIR}'s apt sources", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
