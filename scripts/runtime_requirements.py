"""The runtime part of requirements.lock, with its hashes: what the production image installs.

    python scripts/runtime_requirements.py > runtime.txt
    pip install --require-hashes -r runtime.txt

requirements.lock holds the development tools too (pytest, ruff, mypy, playwright, the
embedded servers). This prints only the entries the `dependencies` of pyproject.toml need:
those, and every locked package whose `# via` names one of them, again and again. The
lines are copied as they are (version, environment marker, hashes), so the image installs
exactly the locked files. pip, in hash-checking mode, refuses a dependency this missed.
Only the standard library: it runs in the image before anything is installed.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "schoolprivacy (pyproject.toml)"


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_entries(text: str) -> dict[str, tuple[str, set[str]]]:
    """Each locked package: its requirement lines (with the hashes) and what it is there for."""
    entries: dict[str, tuple[str, set[str]]] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        first = block.split("\n", 1)[0]
        match = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)==", first)
        if not match:
            continue  # the header comment
        lines = block.splitlines()
        requirement = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
        via_lines = [line.strip().lstrip("#").strip() for line in lines if "#" in line]
        via = set()
        for line in via_lines:
            line = line.removeprefix("via").strip()
            if line:
                via.add(line if line == PROJECT else canonical(line))
        entries[canonical(match[1])] = (requirement, via)
    return entries


def runtime_requirements(pyproject: str, lock: str) -> list[str]:
    dependencies = tomllib.loads(pyproject)["project"]["dependencies"]
    # The name of `psycopg[binary]>=3.2,<4`: what comes before the extras or the versions.
    wanted = {canonical(re.split(r"[\s\[<>=!~;]", dep, maxsplit=1)[0]) for dep in dependencies}
    entries = locked_entries(lock)
    missing = wanted - entries.keys()
    if missing:
        raise SystemExit(f"not in requirements.lock: {sorted(missing)}; run `make lock`")
    changed = True
    while changed:
        changed = False
        for name, (_, via) in entries.items():
            if name not in wanted and via & wanted:
                wanted.add(name)
                changed = True
    return [entries[name][0] for name in sorted(wanted)]


def main() -> int:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    print("\n".join(runtime_requirements(pyproject, lock)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
