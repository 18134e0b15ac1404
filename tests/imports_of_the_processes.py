"""Run as a script by tests/test_hygiene.py: load what the web, worker and beat processes load,
and print, one per line, every module outside the project that imports a module named
``requests`` (which here is the project's own app, never the PyPI library)."""

import ast
import importlib
import sys
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent


def _imports_requests(path: Path) -> list[int]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return []
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        if any(name == "requests" or name.startswith("requests.") for name in names):
            lines.append(node.lineno)
    return lines


def main() -> None:
    django.setup()
    from django.urls import get_resolver

    if not get_resolver().url_patterns:  # loads every view the web process answers with
        sys.exit("the URLconf holds no URL")
    for process in ("celery.apps.beat", "celery.apps.worker", "gunicorn.app.wsgiapp"):
        importlib.import_module(process)

    from schoolprivacy.celery import app

    app.loader.import_default_modules()  # every task the worker runs
    project = [ROOT / name for name in ("requests", "tests")]
    for name, module in sorted(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if not file or not file.endswith(".py"):
            continue
        path = Path(file).resolve()
        if ".venv" not in path.parts and path.is_relative_to(ROOT):
            continue  # the project's own modules import its app on purpose
        if any(path.is_relative_to(folder) for folder in project):
            continue
        for line in _imports_requests(path):
            print(f"{name} ({path}:{line})")


if __name__ == "__main__":
    main()
