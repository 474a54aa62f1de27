"""The words of the access log: what each action code means, and what each page is called.

An access-log row stores a namespaced code ("pep.completed", "ppplus.spend_corrected"), the page it
was written on (its URL name) and structured data; the words a person reads are looked up here when
the row is shown, the way pretix's log display does. Each app registers its own codes and page names
in its `AppConfig.ready()`, so this app names none of theirs.

The request being answered is remembered here too (`request_started`), so every row a request writes
carries the same request id and page, whoever writes it.
"""

from __future__ import annotations

import uuid
from contextvars import ContextVar
from dataclasses import dataclass

# The broad kind of each action: what the log's "action" column holds (DESIGN.md names it).
VIEW, LIST, CREATE, CHANGE, EXPORT, IMPORT, DOWNLOAD, DELETE = (
    "view", "list", "create", "change", "export", "import", "download", "delete")
VERBS = [
    (VIEW, "Viewed"),
    (LIST, "Listed"),
    (CREATE, "Created"),
    (CHANGE, "Changed"),
    (EXPORT, "Exported"),
    (IMPORT, "Imported"),
    (DOWNLOAD, "Downloaded"),
    (DELETE, "Deleted (retention)"),
]


@dataclass(frozen=True)
class Action:
    code: str
    verb: str
    words: str


_actions: dict[str, Action] = {}
_pages: dict[str, str] = {}


def action_register(code: str, verb: str, words: str) -> None:
    """Say what an action code means; a code is registered once, by the app that writes it."""
    if "." not in code or verb not in dict(VERBS):
        raise ValueError(f"An action code is 'subject.event' with a known verb, not {code!r} ({verb!r}).")
    _actions[code] = Action(code, verb, words)


def words_register(module: object) -> None:
    """Register an app's `ACTIONS` [(code, verb, words)] and `PAGES` {url name: words}."""
    for code, verb, words in getattr(module, "ACTIONS", []):
        action_register(code, verb, words)
    page_register(getattr(module, "PAGES", {}))


def action(code: str) -> Action:
    """The registered action; an unknown code is a programming error, found by the first test that writes it."""
    try:
        return _actions[code]
    except KeyError:
        raise LookupError(f"Action code {code!r} is not registered (audit.action_register).") from None


def actions() -> list[Action]:
    return sorted(_actions.values(), key=lambda a: a.words)


def page_register(names: dict[str, str]) -> None:
    """Name pages in words, by URL name ("pep:pep_detail" -> "A PEP")."""
    _pages.update(names)


def page_words(url_name: str) -> str:
    if not url_name:
        return ""
    return _pages.get(url_name, url_name)


def page_names() -> dict[str, str]:
    return dict(_pages)


@dataclass(frozen=True)
class RequestContext:
    request_id: uuid.UUID
    page: str = ""
    address: str | None = None


_request: ContextVar[RequestContext | None] = ContextVar("cwsw_audit_request", default=None)


def request_started(address: str | None = None) -> object:
    """Start a request's context (one id for every row it writes, and the client's address: cwsw/clientip.py);
    returns the token to end it with."""
    return _request.set(RequestContext(uuid.uuid4(), address=address))


def request_page(url_name: str) -> None:
    """The page the request resolved to, once it is known."""
    current = _request.get()
    if current is not None:
        _request.set(RequestContext(current.request_id, url_name, current.address))


def request_ended(token: object) -> None:
    _request.reset(token)


def current_request() -> RequestContext | None:
    return _request.get()
