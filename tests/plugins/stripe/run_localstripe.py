"""localstripe on 127.0.0.1 only, without pickling its store to /tmp/localstripe.pickle
(the CLI binds every interface and shares that file between runs)."""

from __future__ import annotations

import sys

import localstripe.resources as resources
from aiohttp import web

resources.Store.dump_to_disk = lambda self: None  # type: ignore[method-assign]

from localstripe.server import app  # noqa: E402  (importing builds the app and routes)

if __name__ == "__main__":
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
