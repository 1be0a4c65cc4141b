"""Our code uses libraries through their public API, so their next release cannot change
our behaviour silently.

A lint over statuspage/, tests/ and bench/: any `something._name` (or a "_name" string, as in
`getattr(x, "_name")` or `g.pop("_name")`) whose `_name` our own code does not define (a
function, class, variable, argument or `self._name` attribute of ours) is a private member of
a library object. The few left are listed in ALLOWED with the reason; those that are private
for real are pinned by a test here that fails loudly if the library changes them.
"""

from __future__ import annotations

import ast
from pathlib import Path

from flask import Flask, g, session
from flask_login import current_user, login_user

from statuspage.core.extensions import limiter
from statuspage.web.login import FLASK_LOGIN_USER_KEY
from tests.factories import Factory

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("statuspage", "tests", "bench")

ALLOWED: dict[str, str] = {
    # Documented API despite the underscore: Flask's "Notes On Proxies" and Werkzeug's
    # LocalProxy docs name it as the way to reach the object behind `current_app` & co.
    "_get_current_object": "documented LocalProxy API",
    # A namedtuple's documented methods carry an underscore so as not to clash with fields.
    "_replace": "documented namedtuple API",
    "_asdict": "documented namedtuple API",
    "_fields": "documented namedtuple API",
    # Flask-Login's cache of the loaded user on `g`: statuspage.web.login drops it before each
    # request (Flask-Login has no public way); pinned below.
    "_login_user": "Flask-Login's user cache on g, pinned",
    # Flask-Login's session keys: test helpers sign a user in without the two-factor form;
    # pinned below.
    "_user_id": "Flask-Login session key, tests only, pinned",
    "_fresh": "Flask-Login session key, tests only, pinned",
    # Strings that are no attribute: our own key on `g`, an HTML link target, a name suffix.
    "_statuspage_secret_issued": "our own key (statuspage.subscriptions.subscribe)",
    "_blank": "an HTML target",
    "_id": "a name suffix",
    # lxml's element class has no other name: lxml's docs and stubs call it etree._Element.
    "_Element": "lxml's documented element type",
    # Tests only: Flask-Limiter keeps "storage is down" on its process-wide object and has no
    # public way to clear it between two apps (tests/test_ratelimits_proxy.py); pinned below.
    "_storage_dead": "Flask-Limiter fallback flag, tests only, pinned",
    # Tests only: a speed-up that compiles Werkzeug's URL builders on first use (conftest);
    # without the method it keeps Werkzeug's own behaviour, only slower.
    "_compile_builder": "Werkzeug URL builder compilation, tests only, guarded",
}

# The private ones, each allowed only where it is used today: a new use elsewhere fails.
ONLY_IN: dict[str, set[str]] = {
    "_login_user": {"statuspage/web/login.py"},
    "_user_id": {"tests/console/conftest_content.py", "tests/console/test_session_security.py"},
    "_fresh": {"tests/console/conftest_content.py", "tests/console/test_session_security.py"},
    "_storage_dead": {"tests/test_ratelimits_proxy.py"},
    "_compile_builder": {"tests/conftest.py"},
    "_statuspage_secret_issued": {"statuspage/subscriptions/subscribe.py"},
}


def _allowed(name: str, path: str) -> bool:
    return name in ALLOWED and (name not in ONLY_IN or path in ONLY_IN[name])


def _files() -> list[Path]:
    # Not this file: it names the allowed members, and pins them through the libraries.
    return [p for d in SOURCES for p in sorted((ROOT / d).rglob("*.py"))
            if p.name != Path(__file__).name]


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _own_names(trees: list[ast.Module]) -> set[str]:
    """Every private name our code defines."""
    own: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                own.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                own.add(node.id)
            elif isinstance(node, ast.arg):
                own.add(node.arg)
            elif isinstance(node, ast.alias):
                own.add(node.asname or node.name.split(".")[0])
            elif (isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)
                  and isinstance(node.value, ast.Name) and node.value.id in {"self", "cls"}):
                own.add(node.attr)
    return {name for name in own if _private(name)}


def _library_privates() -> list[str]:
    parsed = {path: ast.parse(path.read_text(), str(path)) for path in _files()}
    own = _own_names(list(parsed.values()))
    found = []
    for path, tree in parsed.items():
        for node in ast.walk(tree):
            name = None
            if isinstance(node, ast.Attribute):
                name = node.attr
            elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
                  and node.value.isidentifier()):
                name = node.value  # getattr(x, "_name"), g.pop("_name"), vars(x)["_name"]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.module.startswith(
                    ("statuspage", "tests", "bench")):
                # `from flask.globals import request_ctx`, `from lib._impl import x`
                private = [a.name for a in node.names if _private(a.name)]
                if private or any(_private(part) for part in node.module.split(".")):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.module}")
                continue
            where = str(path.relative_to(ROOT))
            if name and _private(name) and name not in own and not _allowed(name, where):
                found.append(f"{where}:{node.lineno} .{name}")
    return found


def test_no_private_member_of_a_library_is_used() -> None:
    assert _library_privates() == []


def test_flask_login_still_caches_the_user_where_login_forgets_it(app: Flask) -> None:
    """statuspage.web.login drops Flask-Login's cached user from `g` before each request."""
    with app.test_request_context("/"):
        assert not current_user.is_authenticated
        assert FLASK_LOGIN_USER_KEY in g


def test_flask_limiter_still_has_the_fallback_flag_the_tests_clear() -> None:
    assert limiter._storage_dead is False


def test_flask_login_still_keeps_the_session_keys_test_helpers_write(
        app: Flask, factory: Factory) -> None:
    """tests/console/conftest_content.sign_in writes the session as login_user would."""
    user = factory.user(role="viewer")
    with app.test_request_context("/"):
        login_user(user, fresh=True)
        assert session["_user_id"] == user.get_id()
        assert session["_fresh"] is True
