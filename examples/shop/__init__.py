"""Example web shop: the "production" and "QA" service incident-replay replays into.

See README.md for the endpoints, the planted bugs and the /__manifest contract.
"""

from .app import (
    DEFAULT_FLAGS,
    DEFAULT_RELEASE,
    CallbackTransport,
    MemoryTransport,
    ShopServiceError,
    create_app,
    init_sentry,
    serve_in_thread,
)
from .bugs import BUGS, Bug

__all__ = [
    "BUGS",
    "Bug",
    "CallbackTransport",
    "DEFAULT_FLAGS",
    "DEFAULT_RELEASE",
    "MemoryTransport",
    "ShopServiceError",
    "create_app",
    "init_sentry",
    "serve_in_thread",
]
