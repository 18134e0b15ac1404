#!/usr/bin/env bash
# Known vulnerabilities in the locked dependencies, with pip-audit.
# pip-audit runs in a venv of its own and outside the project folder: it depends on the
# PyPI `requests` library, which our app package `requests/` would shadow (and which the
# project itself must never depend on). Fails on any known vulnerability. Where no
# vulnerability database can be reached (a closed network), it says so loudly: then the
# dependencies were NOT audited.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.local/audit"
if [ ! -x "$venv/bin/pip-audit" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check pip-audit >/dev/null 2>&1
fi
report="$(mktemp)"
cd /tmp
status=0
"$venv/bin/pip-audit" --no-deps --disable-pip --progress-spinner off --format json \
  -r "$root/requirements.lock" -o "$report" 2>/dev/null || status=$?
python3 - "$report" "$status" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
deps = report.get("dependencies", [])
vulnerable = [d for d in deps if d.get("vulns")]
audited = [d for d in deps if "skip_reason" not in d]
for d in vulnerable:
    ids = ", ".join(v["id"] for v in d["vulns"])
    print(f"[audit] VULNERABLE {d['name']} {d.get('version')}: {ids}")
if vulnerable:
    sys.exit(1)
if not audited:
    print(f"[audit] NOT AUDITED: no vulnerability database answered for any of the {len(deps)} "
          "locked dependencies (a closed network?). Run `make audit` where PyPI's JSON API "
          "is reachable.")
else:
    print(f"[audit] {len(audited)} dependencies audited, no known vulnerabilities; "
          f"{len(deps) - len(audited)} could not be checked")
PY
