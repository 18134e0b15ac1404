"""`make backup` and `make restore`: the database and the keys, and the erasures since.

    python scripts/backup.py backup  [--database-url URL] [--out DIR]
    python scripts/backup.py restore DIR [--database-url URL]

A backup is a directory under backups/ with database.dump (pg_dump, custom format) and
keys.env (SECRET_KEY, FIELD_ENCRYPTION_KEYS, BSN_HMAC_KEY: without them the encrypted
columns cannot be read). Keep the two apart from each other in real life, and never in
git. Both are written readable by their owner only (0600, in a 0700 directory).

A restore first checks its whole environment (the settings load, the database answers,
the erasure ledger can be read and written) and refuses, changing nothing, when one is
missing. Then it closes the site (every page answers 503 "maintenance"), puts the
database back, migrates it, and erases again what the erasure ledger (kept apart from
the database, never restored) says was erased after the backup. Only then the site opens
again; if a step fails, it stays closed until `manage.py erasures_reapply` succeeds.
"""

from __future__ import annotations

import argparse
import datetime
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEYS = ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BSN_HMAC_KEY")


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            if "=" in line and not line.lstrip().startswith("#"):
                key, value = line.split("=", 1)
                values[key.strip()] = value.strip().strip("'\"")
    return values


def environment() -> dict[str, str]:
    """What `make run` uses: the environment, then .env, then the embedded servers' file."""
    env = {**read_env_file(ROOT / ".local" / "services.env"), **read_env_file(ROOT / ".env")}
    return {**env, **os.environ}


def pg_tool(name: str) -> str:
    """The pg_dump/pg_restore of the pgserver wheel (PostgreSQL 16) when installed, which also
    dumps older servers; else the one on PATH."""
    try:
        import pgserver

        bundled = Path(pgserver.__file__).parent / "pginstall" / "bin" / name
        if bundled.is_file():
            return str(bundled)
    except ImportError:
        pass
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"{name} is not installed (Debian: postgresql-client).")
    return found


def backup(database_url: str, out: Path, env: dict[str, str]) -> Path:
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S")
    target = out / stamp
    out.mkdir(parents=True, exist_ok=True)
    previous = os.umask(0o077)  # the dump and the keys: readable by their owner only
    try:
        target.mkdir(mode=0o700, exist_ok=False)
        target.chmod(0o700)
        dump = target / "database.dump"
        dump.touch(mode=0o600, exist_ok=False)
        subprocess.run(
            [
                pg_tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                f"--file={dump}",
                database_url,
            ],
            check=True,
        )
        dump.chmod(0o600)
        keys = target / "keys.env"
        keys.touch(mode=0o600, exist_ok=False)
        keys.write_text("".join(f"{k}={env[k]}\n" for k in KEYS if env.get(k)), encoding="utf-8")
        keys.chmod(0o600)
    finally:
        os.umask(previous)
    print(f"[backup] {target}: database.dump and keys.env (keep them apart, never in git)")
    return target


def manage(*args: str, env: dict[str, str], database_url: str) -> subprocess.CompletedProcess:
    """`manage.py <args>` with the environment the site runs with (and this database)."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**env, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
    )


def why(result: subprocess.CompletedProcess) -> str:
    """The last line a failed command wrote: Django's message, not its traceback."""
    lines = [line for line in (result.stderr or result.stdout).splitlines() if line.strip()]
    return lines[-1].strip() if lines else f"exit code {result.returncode}"


#: What the restore's transaction starts with: the schema the dump fills, empty.
_EMPTY_SCHEMA = (
    b"SET client_min_messages = warning;\n"
    b"DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n"
)


def _restore_in_one_transaction(pg_restore: str, dump: Path, database_url: str) -> int:
    """Replace the database's contents by the dump's, all or nothing; the exit code.

    Not pg_restore --clean: it drops the index of each partition of the audit log
    (migration schoolprivacy 0016) before the table's own, which PostgreSQL refuses. The
    schema is emptied and the dump's script run into it through psql, all in one
    transaction: a failure anywhere leaves the database as it was.
    """
    script = subprocess.Popen(
        [pg_restore, "--no-owner", "--file=-", str(dump)], stdout=subprocess.PIPE
    )
    psql = subprocess.Popen(
        [
            pg_tool("psql"),
            "--no-psqlrc",
            "--quiet",
            "--single-transaction",
            "--set=ON_ERROR_STOP=1",
            f"--dbname={database_url}",
            "--file=-",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
    )
    if script.stdout is None or psql.stdin is None:  # both asked for as pipes above
        raise RuntimeError("pg_restore or psql has no pipe")
    try:
        with script.stdout, psql.stdin:
            psql.stdin.write(_EMPTY_SCHEMA)
            shutil.copyfileobj(script.stdout, psql.stdin)
    except BrokenPipeError:
        pass  # psql stopped at an error: its exit code says so
    script.wait()
    return psql.wait() or script.returncode


def restore(source: Path, database_url: str, env: dict[str, str]) -> None:
    dump = source / "database.dump"
    if not dump.is_file():
        raise SystemExit(f"{dump} does not exist")
    pg_restore = pg_tool("pg_restore")
    # Everything the site and erasures_reapply need, before anything is touched: a
    # restore that could not apply the erasures again would show erased data.
    checked = manage("erasures_reapply", "--check", env=env, database_url=database_url)
    if checked.returncode:
        raise SystemExit(
            f"[restore] refused, nothing was changed: {why(checked)}\n"
            "[restore] Run it with the environment the site runs with (.env, or the same "
            "variables as the web server: DATABASE_URL, REDIS_URL, the keys, "
            "ERASURE_LEDGER_PATH)."
        )
    print(f"[restore] {checked.stdout.strip()}")
    closed = manage("erasures_reapply", "--begin", env=env, database_url=database_url)
    if closed.returncode:
        raise SystemExit(f"[restore] refused, nothing was changed: {why(closed)}")
    print("[restore] the site answers 503 (maintenance) until the erasures are applied again")
    stays_closed = (
        "[restore] The site stays closed (maintenance). Fix the cause and run `make restore` "
        "again, or finish with `python manage.py migrate` and `python manage.py "
        "erasures_reapply`, which opens the site when it succeeds."
    )
    returncode = _restore_in_one_transaction(pg_restore, dump, database_url)
    if returncode:
        raise SystemExit(f"[restore] pg_restore failed (exit code {returncode}).\n{stays_closed}")
    print("[restore] database restored; bringing its tables up to this version")
    migrated = manage("migrate", "--noinput", env=env, database_url=database_url)
    if migrated.returncode:
        raise SystemExit(f"[restore] migrate failed: {why(migrated)}\n{stays_closed}")
    print("[restore] erasing again what was erased after the backup")
    reapplied = manage("erasures_reapply", env=env, database_url=database_url)
    sys.stdout.write(reapplied.stdout)
    sys.stderr.write(reapplied.stderr)
    if reapplied.returncode:
        raise SystemExit(f"[restore] erasures_reapply failed: {why(reapplied)}\n{stays_closed}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["backup", "restore"])
    parser.add_argument("directory", nargs="?", help="restore: the backup directory")
    parser.add_argument("--database-url")
    parser.add_argument("--out", default=str(ROOT / "backups"))
    args = parser.parse_args(argv)
    env = environment()
    database_url = args.database_url or env.get("DATABASE_URL")
    if not database_url:
        raise SystemExit("No database: start `make run` first, or set DATABASE_URL.")
    if args.command == "backup":
        backup(database_url, Path(args.out), env)
    else:
        if not args.directory:
            raise SystemExit("restore needs the backup directory, e.g. backups/20261201-120000")
        restore(Path(args.directory), database_url, env)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
