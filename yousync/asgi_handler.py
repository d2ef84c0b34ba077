"""Django's ASGI handler for HTTP, with the middleware and view run in one thread hop on
long-lived threads.

Django 5.2's ASGIHandler runs every request in a fresh ThreadSensitiveContext, so on a
new thread; the database connection the request opens belongs to that thread, and
CONN_MAX_AGE keeps it open after the thread is gone: a new PostgreSQL connection per
request, until PostgreSQL refuses more ("too many clients", seen under wrk). Its
middleware chain is built in async mode, where each hook of a sync middleware (ours
are, like Django's own) goes through sync_to_async: about 36 thread switches per
request with our stack, which cost more than the view (docs/benchmarks.md).

This handler builds the chain in sync mode, as the WSGI handler does, and runs
request_started, the middleware and view and — for a response already in memory —
close() (request_finished, close_old_connections) in one sync_to_async call. Each
request borrows one of ASGI_REQUEST_THREADS single-thread executors for its whole life
(asgiref's ThreadSensitiveContext with an executor), so threads and their database
connections live on between requests. When all are busy, a request waits up to
`borrow_timeout` (0.1 s) for one; after that (long SSE streams hold theirs) it gets a
fresh thread, as with Django's handler, and closes its connections at the end. Async
views still work: the sync chain calls them through async_to_sync, and streaming bodies
(SSE) are sent by the event loop as before.
"""

import asyncio
import collections
import contextlib
import inspect
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.db import connections
from django.http import FileResponse
from django.http.response import HttpResponseBase
from django.urls import set_script_prefix

# asgiref >= 3.10 lets a ThreadSensitiveContext use a given executor.
_EXECUTOR_CONTEXTS = "executor" in inspect.signature(ThreadSensitiveContext).parameters


class PooledThreadASGIHandler(ASGIHandler):
    # How long a request waits for a busy set of threads before it takes a fresh one.
    borrow_timeout = 0.1

    def __init__(self, threads: int | None = None):
        BaseHandler.__init__(self)  # not ASGIHandler.__init__: it builds the async chain
        self.load_middleware(is_async=False)
        self.max_threads = threads if threads is not None else settings.ASGI_REQUEST_THREADS
        self._idle: list[ThreadPoolExecutor] = []
        self._waiters: collections.deque[asyncio.Future] = collections.deque()
        self._created = 0

    async def _borrow(self) -> ThreadPoolExecutor | None:
        if not _EXECUTOR_CONTEXTS or not self.max_threads:
            return None
        if self._idle:
            return self._idle.pop()
        if self._created < self.max_threads:
            self._created += 1
            return ThreadPoolExecutor(max_workers=1, thread_name_prefix="request")
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(waiter, self.borrow_timeout)
        except TimeoutError:
            return None  # all busy for a while (long streams?): a thread of its own

    def _give_back(self, executor: ThreadPoolExecutor) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(executor)
                return
        self._idle.append(executor)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        executor = await self._borrow()
        if executor is None:
            async with ThreadSensitiveContext():
                try:
                    await self.handle(scope, receive, send)
                finally:
                    # This thread ends with the request: don't leave its connection open.
                    await sync_to_async(connections.close_all)()
            return
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            self._give_back(executor)

    async def handle(self, scope, receive, send):
        """Django's ASGIHandler.handle(), with request_started, the middleware and view,
        and close() of a response already in memory (request_finished) in one hop."""
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(get_script_prefix(scope))

        async def process_request():
            respond = sync_to_async(self._respond, thread_sensitive=True)
            response = await respond(scope, body_file)
            with contextlib.suppress(asyncio.CancelledError):  # client gone while sending
                await self.send_response(response, send)
            return response

        # As Django does: watch for a disconnect while the response is made and sent.
        tasks = [
            asyncio.create_task(self.listen_for_disconnect(receive)),
            asyncio.create_task(process_request()),
        ]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in tasks:
            if task.done():
                try:
                    task.result()
                except RequestAborted:
                    pass
                except AssertionError:
                    body_file.close()
                    raise
            else:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        try:
            response = tasks[1].result()
        except asyncio.CancelledError:
            await signals.request_finished.asend(sender=self.__class__)
        else:
            if response.streaming:  # closed once its body has been sent
                await sync_to_async(response.close)()
        body_file.close()

    def _respond(self, scope, body_file) -> HttpResponseBase:
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            response = self.get_response(request)
            response._handler_class = self.__class__
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size
        if not response.streaming:
            response.close()  # the body is in memory: request_finished here, on this thread
        return response
