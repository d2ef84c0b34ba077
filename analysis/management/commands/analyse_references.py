from django.core.management.base import BaseCommand

from analysis.services import reference_analyses_refresh
from scripts.models import Kind
from scripts.selectors import visible_lines


class Command(BaseCommand):
    help = (
        "Analyses the actor's clip of every visible line that has no current analysis "
        "(new lines, changed texts, song lines from before song mode). The worker does the "
        "same on a line's first take; this does it ahead, so the practice page has the "
        "word timings and, for songs, the key and starting note. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--kind", choices=Kind.values, help="Only lines of scripts of this kind."
        )

    def handle(self, *args, kind: str | None = None, **options):
        lines = visible_lines()
        if kind:
            lines = lines.filter(script__kind=kind)
        analysed, current = reference_analyses_refresh(lines=lines)
        self.stdout.write(f"Reference analyses: {analysed} made, {current} already current.")
