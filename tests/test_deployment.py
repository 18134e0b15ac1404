"""The deployment files (Dockerfile, docker-compose.yml, .env.example) against the project.

Docker does not run here. So the files are read, and every program, management
command, module and environment variable they name is checked against the
project; the production settings, wait_for_services and the health checks of
the compose file run for real, in subprocesses with a clean environment.
"""

import ast
import base64
import importlib
import importlib.metadata
import json
import os
import re
import secrets
import shlex
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from celery import Celery
from celery.bin.celery import celery as celery_cli
from django.apps import apps
from django.core.management import get_commands
from packaging.requirements import Requirement

from schoolprivacy import services
from tests.utils import database_url_of_the_test_database

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_DIR = ROOT / "schoolprivacy" / "settings"
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
COMPOSE = yaml.safe_load(COMPOSE_TEXT)
SERVICES = COMPOSE["services"]
ENV_EXAMPLE = (ROOT / ".env.example").read_text(encoding="utf-8")
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")

# Production refuses to start without these (schoolprivacy/settings/production.py).
REQUIRED = [
    "SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "FIELD_ENCRYPTION_KEYS",
    "BSN_HMAC_KEY",
    "ALLOWED_HOSTS",
    "SITE_URL",
]
# Read by Compose for ${...} substitution, never by the application.
COMPOSE_ONLY = {"POSTGRES_PASSWORD"}
# Read by Django itself, not by our settings.
DJANGO_OWN = {"DJANGO_SETTINGS_MODULE"}
APP_SERVICES = ["migrate", "web", "worker", "sweeper", "beat"]


# --- Reading the files -----------------------------------------------------------


def variables_read_by_settings() -> set[str]:
    source = "\n".join(path.read_text(encoding="utf-8") for path in SETTINGS_DIR.glob("*.py"))
    return set(re.findall(r"env_(?:str|bool|int|list|keys)\(\s*\"([A-Z][A-Z0-9_]*)\"", source))


def variables_in_env_example() -> set[str]:
    """Set (`NAME=`) and optional, commented-out (`# NAME=`) variables alike."""
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE, flags=re.MULTILINE))


def interpolate(value: str) -> str:
    """What Compose makes of a value, with every ${VARIABLE} given a placeholder."""
    value = re.sub(r"(?<!\$)\$\{([A-Z0-9_]+)[^}]*\}", "placeholder", value)
    return value.replace("$$", "$")


def environment_of(service: str) -> dict[str, str]:
    environment = SERVICES[service].get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return {name: interpolate(str(value)) for name, value in environment.items()}


def command_of(service: str) -> list[str]:
    command = SERVICES[service]["command"]
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def healthcheck_of(service: str) -> list[str]:
    return [interpolate(str(part)) for part in SERVICES[service]["healthcheck"]["test"]]


def volume_targets(service: str) -> set[str]:
    return {str(volume).split(":")[1] for volume in SERVICES[service].get("volumes", [])}


def canonical(requirement: str) -> str:
    """The normalised distribution name of a requirement such as `psycopg[binary]>=3.2`."""
    name = re.match(r"[A-Za-z0-9._-]+", requirement)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def dockerfile_instructions() -> list[tuple[str, str]]:
    logical = re.sub(r"\\\n", " ", DOCKERFILE)
    instructions = []
    for line in logical.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, arguments = line.partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def dockerfile_arguments(keyword: str) -> list[str]:
    return [arguments for found, arguments in dockerfile_instructions() if found == keyword]


# --- Checking that a command starts something that exists ------------------------


def assert_starts_an_existing_program(argv: list[str]) -> None:
    if argv[:2] == ["sh", "-c"]:
        for part in argv[2].split("&&"):
            assert_starts_an_existing_program(shlex.split(part))
        return
    program = argv[0]
    if program == "python" and argv[1] == "manage.py":
        assert argv[2] in get_commands(), f"no management command {argv[2]!r}"
    elif program == "python" and argv[1] == "-c":
        compile(argv[2], "<python -c>", "exec")
    elif program == "celery":
        assert argv[1:3] == ["-A", "schoolprivacy"], argv
        module = importlib.import_module("schoolprivacy.celery")
        assert isinstance(module.app, Celery)
        assert argv[3] in celery_cli.commands, f"celery has no command {argv[3]!r}"
    elif program == "gunicorn":
        target = next(arg for arg in argv[1:] if re.fullmatch(r"[\w.]+:[A-Za-z_]\w*", arg))
        module_name, attribute = target.split(":")
        assert callable(getattr(importlib.import_module(module_name), attribute))
    else:
        pytest.fail(f"unknown program in {argv}")


# --- Environments for the subprocesses -------------------------------------------


def new_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def production_env(**overrides: str | None) -> dict[str, str]:
    """A clean, complete production environment; an override of None removes the variable."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(ROOT)),
        "DJANGO_SETTINGS_MODULE": "schoolprivacy.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "REDIS_URL": os.environ["REDIS_URL"],
        "FIELD_ENCRYPTION_KEYS": f"{new_key()},{new_key()}",
        "BSN_HMAC_KEY": new_key(),
        "ALLOWED_HOSTS": "school.example",
        "SITE_URL": "https://school.example",
    }
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run(argv: list[str], env: dict[str, str], timeout: float = 60):
    return subprocess.run(
        argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def as_local(argv: list[str]) -> list[str]:
    """A container's command as run here: `python` and the entry points through this Python."""
    if argv[0] == "python":
        return [sys.executable, *argv[1:]]
    return [sys.executable, "-m", argv[0], *argv[1:]]


SETUP = [sys.executable, "-c", "import django; django.setup()"]


# --- docker-compose.yml ------------------------------------------------------------


def test_compose_has_the_production_services():
    assert {"postgres", "redis", *APP_SERVICES} <= set(SERVICES)


def test_postgres_is_16_and_redis_is_7():
    assert re.fullmatch(r"postgres:16([.-].*)?", SERVICES["postgres"]["image"])
    assert re.fullmatch(r"redis:7([.-].*)?", SERVICES["redis"]["image"])


def test_redis_keeps_the_queue_in_an_append_only_file():
    assert "--appendonly yes" in " ".join(command_of("redis"))
    assert "/data" in volume_targets("redis")


def test_postgres_keeps_its_data_in_a_volume():
    assert "/var/lib/postgresql/data" in volume_targets("postgres")


def test_there_is_exactly_one_beat():
    beat = SERVICES["beat"]
    assert beat.get("deploy", {}).get("replicas", 1) == 1
    assert beat.get("scale", 1) == 1


def test_beat_keeps_its_schedule_in_a_volume():
    command = command_of("beat")
    schedule = Path(command[command.index("--schedule") + 1])
    assert str(schedule.parent) in volume_targets("beat")


LONG_RUNNING = ["postgres", "pgbouncer", "redis", "web", "worker", "sweeper", "beat"]


def test_every_service_but_migrate_runs_long():
    assert set(SERVICES) == {*LONG_RUNNING, "migrate"}


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_every_long_running_service_has_a_healthcheck(name):
    healthcheck = SERVICES[name].get("healthcheck") or {}
    assert healthcheck.get("test"), f"{name} has no healthcheck"
    assert not healthcheck.get("disable"), name
    assert healthcheck.get("test")[0] in ("CMD", "CMD-SHELL"), name
    for setting in ["interval", "timeout", "retries"]:
        assert healthcheck.get(setting), f"{name}: healthcheck without {setting}"


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_every_long_running_service_is_started_again_when_it_stops(name):
    assert SERVICES[name].get("restart") in ("unless-stopped", "always"), name


def test_migrate_runs_once():
    assert SERVICES["migrate"].get("restart") == "no"
    assert "healthcheck" not in SERVICES["migrate"]


def test_the_app_starts_after_the_migrations_succeeded():
    for name in ["web", "worker", "sweeper", "beat"]:
        condition = SERVICES[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully", name
    for name in ["postgres", "redis"]:
        assert SERVICES["migrate"]["depends_on"][name]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", ["web", "worker", "sweeper", "beat"])
def test_the_app_starts_only_with_healthy_postgres_and_redis(name):
    depends_on = SERVICES[name]["depends_on"]
    for service in ["postgres", "redis"]:
        assert depends_on[service]["condition"] == "service_healthy", (name, service)


def test_the_web_healthcheck_asks_health():
    check = healthcheck_of("web")
    assert "http://127.0.0.1:8000/health/" in check[-1]


def test_app_services_build_the_image_and_use_production_settings():
    postgres = SERVICES["postgres"]["environment"]
    for name in APP_SERVICES:
        service = SERVICES[name]
        assert service["build"] in (".", {"context": "."}), name
        env_file = service["env_file"]
        assert ".env.production" in ([env_file] if isinstance(env_file, str) else env_file)
        environment = environment_of(name)
        assert environment["DJANGO_SETTINGS_MODULE"] == "schoolprivacy.settings.production"
        database = urlsplit(environment["DATABASE_URL"])
        assert (database.hostname, database.username, database.path) == (
            "pgbouncer" if name == "web" else "postgres",
            postgres["POSTGRES_USER"],
            "/" + postgres["POSTGRES_DB"],
        )
        assert urlsplit(environment["REDIS_URL"]).hostname == "redis"


def test_uploads_live_in_a_volume_outside_the_static_files():
    for name in ["web", "worker", "sweeper"]:
        media_root = environment_of(name)["MEDIA_ROOT"]
        assert media_root in volume_targets(name), name
        assert not media_root.startswith("/app/staticfiles")


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_commands_start_existing_programs(service):
    assert_starts_an_existing_program(command_of(service))


def test_migrate_waits_for_the_services_then_migrates():
    script = command_of("migrate")[2]
    assert script.index("wait_for_services") < script.index("migrate --noinput")


def test_gunicorn_runs_a_sensible_number_of_workers():
    command = command_of("web")
    assert "0.0.0.0:8000" in command
    assert 2 <= int(command[command.index("--workers") + 1]) <= 16


@pytest.mark.parametrize("name", ["worker", "sweeper"])
def test_the_worker_healthcheck_pings_this_worker(name):
    worker = command_of(name)
    node = worker[worker.index("--hostname") + 1]
    check = healthcheck_of(name)
    assert check[0] == "CMD-SHELL"
    argv = shlex.split(check[1])
    assert argv[:5] == ["celery", "-A", "schoolprivacy", "inspect", "ping"]
    destination = argv[argv.index("--destination") + 1]
    assert node == f"{name}@%h"
    assert destination == f"{name}@$HOSTNAME"


def queues_of(command: list[str]) -> set[str]:
    return set(command[command.index("--queues") + 1].split(","))


def test_the_sweeps_have_a_worker_of_their_own_and_every_queue_a_worker():
    from django.conf import settings

    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert routed == {"sweeps"}
    assert queues_of(command_of("worker")) == {"celery"}  # copies and mail
    assert queues_of(command_of("sweeper")) == {"sweeps"}


def test_make_run_s_one_worker_takes_every_queue():
    from django.conf import settings

    source = (ROOT / "scripts" / "stack.py").read_text(encoding="utf-8")
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert f'"{",".join(sorted({"celery", *routed}))}"' in source


def test_the_web_server_reaches_postgres_through_pgbouncer_in_transaction_pooling():
    pgbouncer = SERVICES["pgbouncer"]
    assert pgbouncer["environment"]["POOL_MODE"] == "transaction"
    assert "@postgres:5432/" in pgbouncer["environment"]["DATABASE_URL"]
    assert pgbouncer["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert pgbouncer["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    web = environment_of("web")
    assert "@pgbouncer:5432/" in web["DATABASE_URL"]
    assert web["DATABASE_BEHIND_PGBOUNCER"] == "true"
    assert SERVICES["web"]["depends_on"]["pgbouncer"]["condition"] == "service_healthy"
    # the rest as every app service
    assert {
        k: v for k, v in web.items() if k not in {"DATABASE_URL", "DATABASE_BEHIND_PGBOUNCER"}
    } == {k: v for k, v in environment_of("worker").items() if k != "DATABASE_URL"}


@pytest.mark.parametrize("service", ["migrate", "worker", "sweeper", "beat"])
def test_migrations_and_celery_connect_to_postgres_itself(service):
    # long transactions, server-side cursors (a copy streams a child's history)
    assert "@postgres:5432/" in environment_of(service)["DATABASE_URL"]
    assert "DATABASE_BEHIND_PGBOUNCER" not in environment_of(service)


DATABASE_SETTINGS = [
    sys.executable,
    "-c",
    "import django; django.setup(); from django.conf import settings; "
    "d = settings.DATABASES['default']; "
    "print(d['CONN_MAX_AGE'], d['DISABLE_SERVER_SIDE_CURSORS'], d['OPTIONS'].get('pool'))",
]


def test_behind_pgbouncer_the_web_server_uses_no_server_side_cursors():
    plain = run(DATABASE_SETTINGS, production_env())
    behind = run(DATABASE_SETTINGS, production_env(DATABASE_BEHIND_PGBOUNCER="true"))
    assert plain.stdout.split() == ["60", "False", "None"], plain.stderr
    assert behind.stdout.split() == ["60", "True", "None"], behind.stderr


def test_a_pool_size_gives_each_process_django_s_pool_and_keeps_no_connection_per_thread():
    pooled = run(DATABASE_SETTINGS, production_env(DATABASE_POOL_SIZE="4"))
    assert pooled.stdout.split()[:2] == ["0", "False"], pooled.stderr
    assert "'max_size': 4" in pooled.stdout and "'min_size': 1" in pooled.stdout


def test_the_pool_serves_a_real_query_from_a_process_with_the_production_settings():
    result = run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.db import connection; "
            "connection.ensure_connection(); "
            "print(type(connection.pool).__name__, connection.pool.max_size); "
            "cursor = connection.cursor(); cursor.execute('SELECT 41 + 1'); "
            "print(cursor.fetchone()[0])",
        ],
        production_env(DATABASE_POOL_SIZE="3"),
    )
    assert result.stdout.split() == ["ConnectionPool", "3", "42"], result.stderr


def test_infrastructure_healthchecks_use_the_tools_of_their_images():
    postgres = healthcheck_of("postgres")
    assert postgres[:2] == ["CMD", "pg_isready"]
    assert SERVICES["postgres"]["environment"]["POSTGRES_USER"] in postgres
    assert healthcheck_of("redis") == ["CMD", "redis-cli", "ping"]


@pytest.mark.parametrize("service", ["web", "beat"])
def test_app_healthchecks_are_valid_python(service):
    check = healthcheck_of(service)
    assert check[0] == "CMD"
    assert_starts_an_existing_program(check[1:])


# --- Environment variables ---------------------------------------------------------


def test_the_settings_read_the_required_variables():
    assert set(REQUIRED) <= variables_read_by_settings()


def test_env_example_documents_every_variable_the_settings_read():
    missing = variables_read_by_settings() - variables_in_env_example()
    assert not missing, f"not in .env.example: {sorted(missing)}"


def test_every_variable_named_in_the_deployment_files_is_read_by_the_settings():
    named = set(variables_in_env_example())
    for service in APP_SERVICES:
        named |= set(environment_of(service))
    named |= set(re.findall(r"(?<!\$)\$\{([A-Z0-9_]+)", COMPOSE_TEXT))
    unknown = named - variables_read_by_settings() - COMPOSE_ONLY - DJANGO_OWN
    assert not unknown, f"read by nothing: {sorted(unknown)}"


def test_compose_only_variables_are_used_by_compose_and_documented():
    for name in COMPOSE_ONLY:
        assert "${" + name in COMPOSE_TEXT
        assert name in variables_in_env_example()


def test_every_variable_in_env_example_has_a_comment_and_no_secret():
    lines = ENV_EXAMPLE.splitlines()
    for number, line in enumerate(lines):
        match = re.match(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$", line)
        if not match:
            continue
        above = lines[number - 1]
        assert above.startswith("# ") and not re.match(r"^#\s*[A-Z][A-Z0-9_]*=", above), line
        if not line.startswith("#"):
            assert match[2] == "", f"{match[1]} must be left empty in .env.example"
    assert "base64.urlsafe_b64encode(secrets.token_bytes(32))" in ENV_EXAMPLE


def test_an_unfilled_copy_of_env_example_does_not_start():
    values = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", ENV_EXAMPLE, flags=re.MULTILINE))
    env = {**production_env(**dict.fromkeys(REQUIRED)), **values}
    env["DATABASE_URL"], env["REDIS_URL"] = os.environ["DATABASE_URL"], os.environ["REDIS_URL"]
    result = run(SETUP, env)
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


# --- Dockerfile ------------------------------------------------------------------


def test_the_image_is_python_311_slim():
    assert dockerfile_arguments("FROM")[0] == "python:3.11-slim"


def test_the_image_does_not_run_as_root():
    users = dockerfile_arguments("USER")
    assert users, "no USER line"
    assert users[-1].split(":")[0] not in {"root", "0"}
    keywords = [keyword for keyword, _ in dockerfile_instructions()]
    assert keywords.index("USER") < keywords.index("CMD")


def test_the_image_exposes_8000_and_starts_gunicorn():
    assert "8000" in dockerfile_arguments("EXPOSE")[0].split()
    for keyword in ["ENTRYPOINT", "CMD"]:
        for arguments in dockerfile_arguments(keyword):
            assert_starts_an_existing_program(json.loads(arguments))
    # The same command as the web service, which test_the_web_healthcheck_... runs for real.
    assert json.loads(dockerfile_arguments("CMD")[-1]) == command_of("web")


def test_the_image_installs_the_runtime_dependencies_at_locked_versions():
    install = next(arguments for arguments in dockerfile_arguments("RUN") if "pip" in arguments)
    assert "--no-cache-dir" in install
    assert "python scripts/runtime_requirements.py > /tmp/runtime.txt" in install
    assert "--require-hashes -r /tmp/runtime.txt" in install
    assert "scripts/runtime_requirements.py ./scripts/" in dockerfile_arguments("COPY")


def test_the_image_gets_every_runtime_dependency_with_its_hashes_and_no_development_tool():
    """What scripts/runtime_requirements.py cuts from requirements.lock: each dependency of
    pyproject.toml and each package installed here that one of them needs, with hashes;
    no development tool."""
    from scripts.runtime_requirements import canonical as name_of
    from scripts.runtime_requirements import runtime_requirements

    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    lines = runtime_requirements(pyproject, (ROOT / "requirements.lock").read_text("utf-8"))
    assert all("--hash=sha256:" in line for line in lines)
    cut = {name_of(line.split("==")[0]) for line in lines}
    project = tomllib.loads(pyproject)["project"]
    assert {canonical(requirement) for requirement in project["dependencies"]} <= cut
    dev_only = {canonical(requirement) for requirement in project["optional-dependencies"]["dev"]}
    assert cut & dev_only == set()

    seen: set[str] = set()

    def needs(requirement: Requirement, extra: str = "") -> set[str]:
        """The distributions *requirement* brings in here, itself included."""
        if requirement.marker and not requirement.marker.evaluate({"extra": extra}):
            return set()
        found = {canonical(requirement.name)}
        if str(requirement) in seen:
            return found
        seen.add(str(requirement))
        requires = importlib.metadata.distribution(requirement.name).requires or []
        for extra_asked in ["", *requirement.extras]:
            for dependency in map(Requirement, requires):
                found |= needs(dependency, extra_asked)
        return found

    installed = set().union(*(needs(Requirement(r)) for r in project["dependencies"]))
    assert installed <= cut, sorted(installed - cut)


def test_the_image_holds_every_part_of_the_project_and_no_local_files():
    sources = set()
    for arguments in dockerfile_arguments("COPY"):
        parts = [part for part in shlex.split(arguments) if not part.startswith("--")]
        sources |= set(parts[:-1])
    assert "." not in sources, "COPY . would bring .env, .local/ and .venv/ into the image"
    needed = {"manage.py", "templates", "static", "locale"}
    for config in apps.get_app_configs():
        path = Path(config.path)
        # Test-only apps (tests/encryption) are installed by the test settings alone.
        if path.is_relative_to(ROOT / "tests"):
            continue
        if path.is_relative_to(ROOT) and ".venv" not in path.parts:
            needed.add(path.relative_to(ROOT).parts[0])
    assert needed <= sources, f"not copied into the image: {sorted(needed - sources)}"


def test_the_code_in_the_image_needs_no_development_package():
    """The image installs only the runtime dependencies; the code it holds must not need more."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    dev_only = {canonical(requirement) for requirement in project["optional-dependencies"]["dev"]}
    distributions = importlib.metadata.packages_distributions()
    copied = {
        part
        for arguments in dockerfile_arguments("COPY")
        for part in shlex.split(arguments)[:-1]
        if not part.startswith("--")
    }
    offending = set()
    for source in copied:
        path = ROOT / source
        for file in [path] if path.is_file() else path.rglob("*.py"):
            if file.suffix != ".py" or "migrations" in file.parts:
                continue
            for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    owners = distributions.get(module.split(".")[0], [])
                    if {canonical(owner) for owner in owners} & dev_only:
                        offending.add(f"{file.relative_to(ROOT)}: {module}")
    assert not offending, sorted(offending)


def test_the_image_builds_translations_and_static_files_with_build_only_values():
    build = next(
        arguments for arguments in dockerfile_arguments("RUN") if "collectstatic" in arguments
    )
    words = shlex.split(build)
    values = dict(word.split("=", 1) for word in words if re.match(r"^[A-Z][A-Z0-9_]*=", word))
    assert set(REQUIRED) <= set(values)
    script = words[words.index("-c") + 1]
    for part in script.split("&&"):
        assert_starts_an_existing_program(shlex.split(part))
    assert "compiletranslations" in script
    assert "collectstatic --noinput" in script
    # The build-only values are enough for the production settings to load.
    result = run(SETUP, {**production_env(**dict.fromkeys(REQUIRED)), **values})
    assert result.returncode == 0, result.stderr


def test_no_secret_is_baked_into_the_image():
    secret_names = {*REQUIRED, "EMAIL_HOST_PASSWORD", *COMPOSE_ONLY}
    for keyword in ["ENV", "ARG"]:
        for arguments in dockerfile_arguments(keyword):
            names = {word.split("=", 1)[0] for word in shlex.split(arguments)}
            assert not names & secret_names, f"{keyword} {arguments}"
    assert "DJANGO_SETTINGS_MODULE=schoolprivacy.settings.production" in " ".join(
        dockerfile_arguments("ENV")
    )


# --- Production settings -----------------------------------------------------------


@pytest.mark.parametrize("name", REQUIRED)
def test_production_refuses_to_start_without(name):
    result = run(SETUP, production_env(**{name: None}))
    assert result.returncode != 0
    assert f"The environment variable {name} is required but not set" in result.stderr


@pytest.mark.parametrize(
    "value",
    [
        base64.urlsafe_b64encode(b"sixteen byte key").decode(),
        "not a key at all!",
    ],
)
def test_production_refuses_a_malformed_encryption_key(value):
    result = run(SETUP, production_env(FIELD_ENCRYPTION_KEYS=f"{new_key()},{value}"))
    assert result.returncode != 0
    assert "ImproperlyConfigured: FIELD_ENCRYPTION_KEYS" in result.stderr
    assert "32 bytes" in result.stderr or "base64" in result.stderr
    assert value not in result.stderr


@pytest.mark.parametrize(
    "value", ["http://school.example", "https://school.example/app", "school.example"]
)
def test_production_refuses_a_site_address_that_is_not_https_alone(value):
    """The addresses given to a board's identity provider are made of SITE_URL."""
    result = run(SETUP, production_env(SITE_URL=value))
    assert result.returncode != 0
    assert "ImproperlyConfigured: SITE_URL must be the site's https address" in result.stderr


def test_production_passes_the_deployment_checks():
    env = production_env()
    assert len(env["SECRET_KEY"]) == 64
    result = run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_wait_for_services_names_the_unreachable_database_without_its_password():
    password = "do-not-print-" + secrets.token_hex(8)
    env = production_env(DATABASE_URL=f"postgres://postgres:{password}@127.0.0.1:1/x")
    result = run([sys.executable, "manage.py", "wait_for_services", "--timeout", "1"], env)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Cannot reach the database" in output
    assert "DATABASE_URL" in output
    assert password not in output


# --- The health checks, for real ---------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def app_env(tmp_path):
    (tmp_path / "static").mkdir()
    return production_env(
        DATABASE_URL=database_url_of_the_test_database(),
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
        # /health/ is exempt from the HTTPS redirect; keep it on to prove that.
        SECURE_SSL_REDIRECT="true",
    )


@pytest.fixture
def web(transactional_db, app_env):
    """The web service's gunicorn command, on a free port here instead of 8000."""
    port = free_port()
    command = [part.replace("0.0.0.0:8000", f"127.0.0.1:{port}") for part in command_of("web")]
    process = subprocess.Popen(
        as_local(command), cwd=ROOT, env=app_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(process.communicate()[0].decode())
            time.sleep(0.1)
    yield port
    process.terminate()
    try:
        output = process.communicate(timeout=20)[0].decode()
    except subprocess.TimeoutExpired:
        process.kill()
        output = process.communicate()[0].decode()
    assert process.returncode == 0, output


def test_the_web_healthcheck_passes_against_the_web_command(web, app_env):
    check = [part.replace("127.0.0.1:8000", f"127.0.0.1:{web}") for part in healthcheck_of("web")]
    services.heartbeat_record(name="beat")
    result = run(as_local(check[1:]), app_env)
    assert result.returncode == 0, result.stderr
    # With a host Django does not allow, the same check fails (so it does check).
    result = run(as_local(check[1:]), {**app_env, "ALLOWED_HOSTS": "other.example"})
    assert result.returncode != 0


def test_the_web_healthcheck_fails_without_a_heartbeat(web, app_env):
    """No worker or beat: /health/ answers 503, and the web service is unhealthy."""
    check = [part.replace("127.0.0.1:8000", f"127.0.0.1:{web}") for part in healthcheck_of("web")]
    result = run(as_local(check[1:]), app_env)
    assert result.returncode != 0
    assert "503" in result.stderr


def test_the_beat_healthcheck_follows_the_heartbeat(transactional_db, app_env):
    check = as_local(healthcheck_of("beat")[1:])
    assert run(check, app_env).returncode == 1
    services.heartbeat_record(name="beat")
    result = run(check, app_env)
    assert result.returncode == 0, result.stderr
