"""`make backup` and `make restore`: the database and the keys, and the erasures since.

    python scripts/backup.py backup  [--database-url URL] [--out DIR]
    python scripts/backup.py restore DIR [--database-url URL]

A backup is a directory under backups/ with database.dump (pg_dump, custom format) and
keys.env (SECRET_KEY, FIELD_ENCRYPTION_KEYS, BSN_HMAC_KEY: without them the encrypted
columns cannot be read). Keep the two apart from each other in real life, and never in
git. A restore puts the database back and then erases again what the erasure ledger
(kept apart from the database, never restored) says was erased after the backup.
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
    target.mkdir(parents=True, exist_ok=False)
    subprocess.run(
        [
            pg_tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            f"--file={target / 'database.dump'}",
            database_url,
        ],
        check=True,
    )
    keys = target / "keys.env"
    keys.write_text("".join(f"{k}={env[k]}\n" for k in KEYS if env.get(k)), encoding="utf-8")
    keys.chmod(0o600)
    print(f"[backup] {target}: database.dump and keys.env (keep them apart, never in git)")
    return target


def restore(source: Path, database_url: str, env: dict[str, str]) -> None:
    dump = source / "database.dump"
    if not dump.is_file():
        raise SystemExit(f"{dump} does not exist")
    subprocess.run(
        [
            pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={database_url}",
            str(dump),
        ],
        check=True,
    )
    print("[restore] database restored; erasing again what was erased after the backup")
    subprocess.run(
        [sys.executable, "manage.py", "erasures_reapply"],
        cwd=ROOT,
        env={**env, "DATABASE_URL": database_url},
        check=True,
    )


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
