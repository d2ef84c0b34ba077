"""A streamed download that stays streamed under both of Django's handlers.

Django serves a StreamingHttpResponse built on a synchronous iterator from WSGI as it
goes, but under ASGI (`manage.py serve`, uvicorn) it first reads such an iterator to the
end into memory, and the other way round for an asynchronous one. So the body is given
in the kind the request's handler consumes: under ASGI, each chunk is made in Django's
sync thread (the iterator reads the database) and handed to the event loop.
"""

from collections.abc import AsyncIterator, Iterator

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, StreamingHttpResponse


def _next_chunk(chunks: Iterator[bytes]) -> bytes | None:
    return next(chunks, None)


async def _async_chunks(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    next_chunk = sync_to_async(_next_chunk, thread_sensitive=True)
    while (chunk := await next_chunk(chunks)) is not None:
        yield chunk


def streaming_download(
    request: HttpRequest, chunks: Iterator[bytes], *, content_type: str, filename: str
) -> StreamingHttpResponse:
    body = _async_chunks(chunks) if isinstance(request, ASGIRequest) else chunks
    response = StreamingHttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
