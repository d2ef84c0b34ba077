import dramatiq

from scripts.models import ImportStatus, SceneImport
from scripts.services import scene_import_run


@dramatiq.actor(max_retries=0, time_limit=60 * 60 * 1000, queue_name="default")
def process_scene_import(scene_import_id: int) -> None:
    """Imports a long scene outside the request; progress is on the import's admin page."""
    scene_import = SceneImport.objects.filter(pk=scene_import_id).first()
    if scene_import is None or scene_import.status not in (
        ImportStatus.QUEUED,
        ImportStatus.FAILED,
    ):
        return
    scene_import_run(scene_import=scene_import)
