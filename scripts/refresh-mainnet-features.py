#!/usr/bin/env python3
"""Regenerates tests/data/mainnet-features.tsv: the features active on Solana mainnet-beta.

Source: the crates.io package `litesvm`, whose `src/features.rs` (`MAINNET_ACTIVE_FEATURES`) lists
mainnet's active feature gates with their activation slots, read from the cluster by its
maintainers. Names there are paths into `agave-feature-set`; ids are resolved from the
agave-feature-set version this workspace pins (the bank we test in), so the file also lists the
features that version knows but mainnet has not activated.

    scripts/refresh-mainnet-features.py [--litesvm 0.17.0] [--agave 4.2.2] [--out PATH]

Only crates.io is contacted (the registry's download host). Review the diff before committing:
a feature that moves from inactive to active changes what every mainnet-profile test runs on.
"""
import argparse
import io
import re
import sys
import tarfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def crate_file(name, version, path):
    url = f"https://static.crates.io/crates/{name}/{name}-{version}.crate"
    with urllib.request.urlopen(url, timeout=60) as response:
        data = response.read()
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        return archive.extractfile(f"{name}-{version}/{path}").read().decode()


def feature_ids(source):
    """Maps module paths (`a::b::c`) to the id in their `declare_id!`, following nested modules."""
    ids = {}
    stack = []  # (module name, brace depth at which it opened)
    depth = 0
    for line in source.splitlines():
        code = line.split("//")[0]
        opened = re.match(r"\s*pub mod (\w+)\s*\{", code)
        if opened:
            stack.append((opened.group(1), depth))
        declared = re.search(r'declare_id!\("(\w+)"\)', code)
        if declared and stack:
            ids["::".join(name for name, _ in stack)] = declared.group(1)
        depth += code.count("{") - code.count("}")
        while stack and depth <= stack[-1][1]:
            stack.pop()
    return ids


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--litesvm", default="0.17.0")
    parser.add_argument("--agave", default="4.2.2")
    parser.add_argument("--out", default=str(ROOT / "tests/data/mainnet-features.tsv"))
    args = parser.parse_args()

    listing = crate_file("litesvm", args.litesvm, "src/features.rs")
    sourced = re.search(r"sourced from the cluster on ([0-9-]+)", listing)
    body = listing.split("MAINNET_ACTIVE_FEATURES", 1)[1]
    entries = re.findall(r"agave_feature_set::([\w:]+)::ID,\s*(\d+)", body)
    if not entries:
        sys.exit("refresh-mainnet-features: no MAINNET_ACTIVE_FEATURES entries found")

    ids = feature_ids(crate_file("agave-feature-set", args.agave, "src/lib.rs"))
    rows, unknown = [], []
    for name, slot in entries:
        if name not in ids:
            unknown.append(name)
            continue
        rows.append((int(slot), name, ids[name]))
    active = {row[2] for row in rows}
    # Every id agave declares that mainnet has not activated (nested-module parents excluded).
    inactive = sorted(
        (name, address)
        for name, address in ids.items()
        if address not in active and not any(other.startswith(name + "::") for other in ids)
    )

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w") as f:
        date = sourced.group(1) if sourced else "unknown date"
        f.write(
            f"# Features active on Solana mainnet-beta, sourced from the cluster on {date} as listed by\n"
            f"# the crates.io package litesvm {args.litesvm} (src/features.rs, MAINNET_ACTIVE_FEATURES);\n"
            f"# ids as declared in agave-feature-set {args.agave}. Regenerate with\n"
            f"# scripts/refresh-mainnet-features.py.\n"
            "# activation_slot\tname\tid\n"
        )
        for slot, name, address in sorted(rows):
            f.write(f"{slot}\t{name}\t{address}\n")
        f.write(f"# Known to agave-feature-set {args.agave} but NOT active on mainnet:\n")
        for name, address in inactive:
            f.write(f"#inactive\t{name}\t{address}\n")
        for name in unknown:
            f.write(f"#unknown-to-agave-{args.agave}\t{name}\n")
    print(f"{out}: {len(rows)} active, {len(inactive)} inactive, {len(unknown)} unknown to agave {args.agave}")


if __name__ == "__main__":
    main()
