"""The local test web: real HTTP servers on 127.0.0.1 used by the tests and the demo.

``from tests.sites import TestWeb``; see :mod:`tests.sites.web`.
"""

from tests.sites.server import LoggedRequest, Reply, Request, ServerThread
from tests.sites.web import SITES, Post, TestWeb

__all__ = ["SITES", "LoggedRequest", "Post", "Reply", "Request", "ServerThread", "TestWeb"]
