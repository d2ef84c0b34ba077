import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from scripts import services
from scripts.models import ImportStatus, Script

DEMO_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "demo"


class Command(BaseCommand):
    help = (
        "Loads the demo scenes (two movies, one made for dubbing; a drama, an animation and a "
        "song). Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Re-import even if present.")

    def handle(self, *args, force: bool = False, **options):
        manifest = json.loads((DEMO_DIR / "manifest.json").read_text(encoding="utf-8"))
        created = kept = 0
        for scene in manifest["scenes"]:
            existing = Script.objects.filter(import_key=scene["key"]).first()
            if existing and not force and services.script_files_present(script=existing):
                kept += 1
                continue
            if existing:
                services.script_delete(script=existing)
            details = services.SceneDetails(
                title=scene["title"],
                work_title=scene["work_title"],
                kind=scene["kind"],
                language=scene["language"],
                difficulty=scene["difficulty"],
                description=scene["description"],
                import_key=scene["key"],
            )
            scene_import = services.scene_import_files(
                details=details,
                audio_path=DEMO_DIR / scene["audio"],
                subtitles_path=DEMO_DIR / scene["subtitles"],
                translations=scene["translations"],
                publish=True,
            )
            if scene_import.status != ImportStatus.COMPLETED:
                raise CommandError(f"{scene['key']}: {scene_import.error}")
            created += 1
        self.stdout.write(f"Demo content: {created} scenes loaded, {kept} already present.")
