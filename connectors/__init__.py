"""Sources of Sentry events: every connector yields events in Sentry's stored-event schema."""

from connectors.errors import ConnectorError, InputError
from connectors.files import SourceItem, parse_line, read_documents, read_events
from connectors.schema import normalize_event, unwrap_document

__all__ = [
    "ConnectorError",
    "InputError",
    "SourceItem",
    "normalize_event",
    "parse_line",
    "read_documents",
    "read_events",
    "unwrap_document",
]
