import time

import redis
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, connection


def _database_problem() -> str | None:
    try:
        connection.ensure_connection()
    except OperationalError as exc:
        connection.close()
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return None


def _redis_problem() -> str | None:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        return str(exc)
    finally:
        client.close()
    return None


class Command(BaseCommand):
    help = "Wait until PostgreSQL and Redis answer; stop with a clear message if they do not."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=30, help="Seconds to keep trying.")

    def handle(self, *args, timeout: float, **options):
        deadline = time.monotonic() + timeout
        while True:
            database, broker = _database_problem(), _redis_problem()
            if not database and not broker:
                self.stdout.write("PostgreSQL and Redis answer.")
                return
            if time.monotonic() >= deadline:
                break
            time.sleep(1)
        db = settings.DATABASES["default"]
        where = f"{db.get('HOST') or 'local socket'}:{db.get('PORT') or 5432}/{db.get('NAME')}"
        problems = []
        if database:
            problems.append(
                f"Cannot reach the database at {where} ({database}). "
                "Check DATABASE_URL and that PostgreSQL is running."
            )
        if broker:
            problems.append(
                f"Cannot reach Redis ({broker}). Check REDIS_URL and that Redis is running."
            )
        raise CommandError("\n".join(problems))
