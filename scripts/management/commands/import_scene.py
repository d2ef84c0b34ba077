import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from scripts import services
from scripts.models import ImportStatus, Kind, Language, Script


class Command(BaseCommand):
    help = (
        "Imports scenes: one AUDIO + SUBTITLES pair with --title/--work-title/--kind, or many "
        'with --manifest FILE.json ({"scenes": [{title, work_title, kind, language, '
        "difficulty, description, audio, subtitles, key, translations}]}; paths relative to it)."
    )

    def add_arguments(self, parser):
        parser.add_argument("audio", nargs="?", help="Scene audio: wav, mp3, m4a, ogg, webm, flac.")
        parser.add_argument("subtitles", nargs="?", help="SRT or WebVTT subtitles.")
        parser.add_argument("--manifest", help="JSON file listing many scenes.")
        parser.add_argument("--title")
        parser.add_argument("--work-title")
        parser.add_argument("--kind", choices=Kind.values)
        parser.add_argument("--language", choices=Language.values, default=Language.ENGLISH)
        parser.add_argument("--difficulty", type=int, choices=range(1, 6), default=2)
        parser.add_argument("--description", default="")
        parser.add_argument("--key", default="", help="Import key; a scene with it is skipped.")
        parser.add_argument("--publish", action="store_true")

    def handle(self, *args, **options):
        if options["manifest"]:
            path = Path(options["manifest"])
            try:
                scenes = json.loads(path.read_text(encoding="utf-8"))["scenes"]
            except (OSError, ValueError, KeyError) as exc:
                raise CommandError(f"Cannot read the manifest {path}: {exc}") from exc
            base = path.parent
        else:
            missing = [
                name
                for name in ("audio", "subtitles", "title", "work_title", "kind")
                if not options[name]
            ]
            if missing:
                raise CommandError(
                    "Give AUDIO SUBTITLES --title --work-title --kind, or --manifest; missing: "
                    + ", ".join(missing)
                )
            scenes = [{**options, "key": options["key"]}]
            base = Path.cwd()
        failures = 0
        for scene in scenes:
            failures += not self._import(scene, base, publish=options["publish"])
        if failures:
            raise CommandError(f"{failures} of {len(scenes)} scenes were not imported.")

    def _import(self, scene: dict, base: Path, *, publish: bool) -> bool:
        label = scene.get("key") or scene.get("title") or scene.get("audio")
        key = scene.get("key") or ""
        if key and Script.objects.filter(import_key=key).exists():
            self.stdout.write(f"{label}: already imported, skipped.")
            return True
        details = services.SceneDetails(
            title=scene["title"],
            work_title=scene["work_title"],
            kind=scene["kind"],
            language=scene.get("language") or Language.ENGLISH,
            difficulty=int(scene.get("difficulty") or 2),
            description=scene.get("description") or "",
            import_key=key,
        )
        try:
            scene_import = services.scene_import_files(
                details=details,
                audio_path=base / scene["audio"],
                subtitles_path=base / scene["subtitles"],
                translations=scene.get("translations") or (),
                publish=publish or bool(scene.get("publish")),
            )
        except services.SceneImportInvalid as exc:
            self.stderr.write(f"{label}: nothing imported:")
            for error in exc.errors:
                self.stderr.write(f"  - {error}")
            return False
        except OSError as exc:
            self.stderr.write(f"{label}: {exc}")
            return False
        if scene_import.status != ImportStatus.COMPLETED:
            self.stderr.write(f"{label}: {scene_import.error}")
            return False
        script = scene_import.script
        assert script is not None  # a completed import has its script
        self.stdout.write(f"{label}: script {script.pk} with {script.lines.count()} lines.")
        return True
