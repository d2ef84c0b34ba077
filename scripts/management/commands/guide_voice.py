import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from scripts import guide, tts
from scripts.models import Line

# Lines per Festival process: starting it costs about one line's synthesis.
BATCH = 20


class Command(BaseCommand):
    help = (
        "Makes the guide voice (a synthetic reading at normal and slow speed) for lines "
        "that lack a current one, here, or with --queue by the workers."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--script", type=int, action="append", default=[], help="Only this script (repeat)."
        )
        parser.add_argument("--force", action="store_true", help="Make it again even if current.")
        parser.add_argument("--queue", action="store_true", help="Send jobs to the workers.")

    def handle(self, *args, script: list[int], force: bool, queue: bool, **options):
        if not settings.GUIDE_VOICE:
            raise CommandError("The guide voice is switched off (GUIDE_VOICE=false).")
        lines = Line.objects.select_related("script").order_by("script", "position")
        if script:
            lines = lines.filter(script__in=script)
        if queue:
            count = guide.lines_queue_guide_voice(lines=lines)
            self.stdout.write(f"Guide voice: {count} lines queued.")
            return
        if not tts.available():
            raise CommandError(
                "Festival or its voice is missing: apt-get install festival festvox-us-slt-hts"
            )
        todo = [
            line
            for line in lines
            if guide.guide_voice_wanted(line) and (force or not guide.guide_is_current(line))
        ]
        if not todo:
            self.stdout.write("Guide voice: nothing to make, every line is current.")
            return
        started = time.perf_counter()
        made = 0
        for first in range(0, len(todo), BATCH):
            made += guide.lines_make_guide_voice(lines=todo[first : first + BATCH], force=force)
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"Guide voice: {made} of {len(todo)} lines made in {seconds:.1f} s"
            + (f" ({len(todo) - made} failed: see the log)." if made < len(todo) else ".")
        )
