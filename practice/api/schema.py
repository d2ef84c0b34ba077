"""OpenAPI entry for the SSE progress stream, a plain async Django view that
drf-spectacular cannot see (added by a postprocessing hook)."""

from drf_spectacular.hooks import postprocess_schema_enums

PROGRESS_PATH = "/api/tokens/analysis-progress/{job_id}"

EXAMPLE_STREAM = (
    "retry: 3000\n\n"
    "id: 3003\nevent: progress\n"
    'data: {"job_id":"3f1c…","status":"running","stage":"decode","progress":30}\n\n'
    ": ping\n\n"
    "id: 10100\nevent: completed\n"
    'data: {"job_id":"3f1c…","status":"completed","stage":"done","progress":100,'
    '"scores":{"pronunciation":82.5,"intonation":74.0,"timing":90.1,"emotion":68.2,'
    '"overall":79.3}}\n\n'
)

DESCRIPTION = """Server-Sent Events (`text/event-stream`) with the attempt's progress.

The first event is the current state; then one event per change: `event: progress`
while queued or running, and a final `event: completed` or `event: failed`, after which
the stream ends. `data:` is the progress message (`job_id`, `status`, `stage`,
`progress`; `scores` when completed; `error`, `error_code` when failed). `id:` grows with
the progress: send it back as `Last-Event-ID` when reconnecting to skip what was seen
(after the final event, a reconnect gets the final event once more). A `: ping`
comment is sent every 15 seconds without news."""


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def document_progress_stream(result, generator, request, public):
    result = postprocess_schema_enums(result, generator, request=request, public=public)
    result.setdefault("paths", {})[PROGRESS_PATH] = {
        "get": {
            "operationId": "tokens_analysis_progress_stream",
            "summary": "Live progress of an attempt (Server-Sent Events)",
            "description": DESCRIPTION,
            "tags": ["tokens"],
            "parameters": [
                {
                    "in": "path",
                    "name": "job_id",
                    "required": True,
                    "schema": {"type": "string", "format": "uuid"},
                },
                {
                    "in": "header",
                    "name": "Last-Event-ID",
                    "required": False,
                    "schema": {"type": "string"},
                    "description": "The id of the last event received, when reconnecting.",
                },
            ],
            "security": [{"jwtAuth": []}, {"cookieAuth": []}],
            "responses": {
                "200": {
                    "description": "The event stream",
                    "content": {
                        "text/event-stream": {
                            "schema": {"type": "string"},
                            "example": EXAMPLE_STREAM,
                        }
                    },
                },
                "401": _error("Not signed in"),
                "404": _error("Unknown attempt (someone else's attempts look unknown too)"),
            },
        }
    }
    return result
