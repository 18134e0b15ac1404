"""Write the demo's exports of the pupil administration (demo/files/) from the seeded demo.

python manage.py demo_exports [--directory DIR]
"""

from pathlib import Path

from django.core.management.base import BaseCommand

from demo import exports


class Command(BaseCommand):
    help = "Write demo/files/EDEX.XML and demo/files/verzorgers.csv from the seeded demo."

    def add_arguments(self, parser):
        parser.add_argument("--directory", default=str(exports.DIRECTORY))

    def handle(self, *args, **options):
        for path in exports.write(Path(options["directory"])):
            self.stdout.write(f"wrote {path}")
