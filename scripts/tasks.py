import dramatiq

# Modules, not names: scripts.services and scripts.guide send these actors' messages.
from scripts import guide, services
from scripts.models import ImportStatus, Line, SceneImport


# On the media queue with reels and guide voices: a long import never delays scoring.
@dramatiq.actor(max_retries=0, time_limit=60 * 60 * 1000, queue_name="media")
def process_scene_import(scene_import_id: int) -> None:
    """Imports a long scene outside the request; progress is on the import's admin page."""
    scene_import = SceneImport.objects.filter(pk=scene_import_id).first()
    if scene_import is None or scene_import.status not in (
        ImportStatus.QUEUED,
        ImportStatus.FAILED,
    ):
        return
    services.scene_import_run(scene_import=scene_import)


# On the media queue, behind scoring (a higher number is a lower priority): a learner
# waiting for a score must not wait for a guide voice. Retries are for storage hiccups;
# a synthesis failure is logged by the service and not retried.
@dramatiq.actor(
    queue_name="media", priority=100, max_retries=3, min_backoff=5_000, time_limit=120_000
)
def make_guide_voice(line_id: int) -> None:
    """Makes a line's guide voice (scripts.guide), unless it is current or switched off."""
    line = Line.objects.select_related("script").filter(pk=line_id).first()
    if line is None:
        return
    guide.line_make_guide_voice(line=line)
