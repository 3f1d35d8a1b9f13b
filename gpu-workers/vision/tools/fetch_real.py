#!/usr/bin/env python3
"""Fetches the real drawings of `gpu-workers/vision/real/truth.json` into a directory.

    fetch_real.py OUT_DIR [--mirrors DIR]

Each drawing is fetched by its source repository, commit and path: from GitHub's raw content
(needs the internet; CI has none, so the real-set benchmark says when the set is absent), or
with `--mirrors DIR` from local mirrors laid out as `DIR/<owner>+<name>/repo` (bare git
directories). Files are written as `<id>.<ext>`, a source's room annotation (`rooms_mask`)
as `<id>.rooms.png`. The drawings stay out of the repository: see each one's licence note in truth.json.
"""

import argparse
import json
import subprocess
import sys
import urllib.request
from pathlib import Path

TRUTH = Path(__file__).resolve().parent.parent / "real" / "truth.json"


def fetch(source, mirrors, path):
    repo, commit = source["repo"], source["commit"]
    if mirrors:
        git_dir = Path(mirrors) / repo.replace("/", "+") / "repo"
        return subprocess.run(
            ["git", "--git-dir", str(git_dir), "show", f"{commit}:{path}"],
            check=True,
            capture_output=True,
        ).stdout
    url = f"https://raw.githubusercontent.com/{repo}/{commit}/{path}"
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.read()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--mirrors", help="local mirrors: DIR/<owner>+<name>/repo")
    args = parser.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    failed = 0
    for drawing in json.loads(TRUTH.read_text())["drawings"]:
        source = drawing["source"]
        files = [(source["path"], drawing["id"] + Path(source["path"]).suffix.lower())]
        if source.get("rooms_mask"):
            files.append((source["rooms_mask"], drawing["id"] + ".rooms.png"))
        for path, name in files:
            try:
                data = fetch(source, args.mirrors, path)
            except Exception as e:  # noqa: BLE001 - report and go on with the others
                print(f"{drawing['id']}: {path} not fetched ({e})", file=sys.stderr)
                failed += 1
                continue
            (args.out_dir / name).write_bytes(data)
            print(f"{name}: {len(data)} bytes")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
