from pathlib import Path

import polib
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def catalogue_paths() -> list[Path]:
    """Every django.po of the project and its apps (not of installed libraries)."""
    roots = [Path(p) for p in settings.LOCALE_PATHS]
    base = Path(settings.BASE_DIR)
    roots += [
        Path(config.path) / "locale"
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(base) and ".venv" not in Path(config.path).parts
    ]
    return sorted(
        {po for root in roots if root.is_dir() for po in root.glob("*/LC_MESSAGES/django.po")}
    )


class Command(BaseCommand):
    help = (
        "Compile the message catalogues (.po to .mo) in pure Python, so no GNU gettext "
        "is needed. Fuzzy and untranslated entries are left out, as msgfmt does."
    )

    def handle(self, *args, **options):
        paths = catalogue_paths()
        if not paths:
            raise CommandError("No message catalogues found under LOCALE_PATHS.")
        for po_path in paths:
            catalogue = polib.pofile(str(po_path))
            compiled = polib.POFile()
            compiled.metadata = catalogue.metadata
            for entry in catalogue.translated_entries():
                if not entry.fuzzy:
                    compiled.append(entry)
            compiled.save_as_mofile(str(po_path.with_suffix(".mo")))
            self.stdout.write(
                f"{po_path.relative_to(settings.BASE_DIR)}: {len(compiled)} messages"
            )
