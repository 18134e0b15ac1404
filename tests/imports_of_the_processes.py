"""Run as a script by tests/test_hygiene.py: load what the web, worker and beat processes load,
and print, one per line, every module outside the project that imports a module named
``requests`` (which here is the project's own app, never the PyPI library)."""

import ast
import importlib
import sys
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent


#: Imports of ``requests`` known to be harmless here, by module and the function they are
#: in, each with why. truststore (loaded by httpcore2, under httpx2: signin/outbound.py)
#: patches the PyPI library's preloaded SSL context in inject_into_ssl(), which patches
#: Python's ssl module for the whole process: nothing here calls it (httpcore2 uses
#: truststore.SSLContext), and it catches the ImportError our app would give.
KNOWN = {("truststore._api", "inject_into_ssl")}


def _imports_requests(path: Path) -> list[tuple[int, str]]:
    """The lines that import a module named requests, each with the function it is in."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return []
    found = []
    functions = [
        node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        if any(name == "requests" or name.startswith("requests.") for name in names):
            around = [f for f in functions if f.lineno <= node.lineno <= (f.end_lineno or 0)]
            innermost = max(around, key=lambda f: f.lineno).name if around else ""
            found.append((node.lineno, innermost))
    return found


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
        for line, function in _imports_requests(path):
            if (name, function) not in KNOWN:
                print(f"{name} ({path}:{line})")


if __name__ == "__main__":
    main()
