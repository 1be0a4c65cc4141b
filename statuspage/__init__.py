"""statuspage: a self-hosted status page and stakeholder communication service."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from statuspage.core.paths import ROOT

__all__ = ["ROOT", "create_app", "create_metrics_app", "create_worker_app"]


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app: config → extensions → blueprints → error handlers → CLI. No I/O."""
    app = _configured_app(overrides)
    from statuspage.web.sessions import PublicCacheFriendlySessionInterface

    app.session_interface = PublicCacheFriendlySessionInterface()
    _init_extensions(app)
    from statuspage.web import input_guard, url_rules

    input_guard.init_app(app)  # before the blueprints: it replaces the `int` URL converter
    url_rules.init_app(app)  # before the blueprints: rules that tell their converters
    _register_blueprints(app)

    from statuspage import cli
    from statuspage.messages import templating
    from statuspage.web import errorpages, request_ids, security_headers

    request_ids.init_app(app)
    security_headers.init_app(app)
    errorpages.init_app(app)
    templating.init_app(app)
    cli.init_app(app)
    return app


def create_worker_app(overrides: dict[str, Any] | None = None) -> Flask:
    """The app of the `worker` and `sms` processes: settings, extensions, queues and the
    message templates, without the web's blueprints, request hooks and CLI.

    Tasks render messages and build links from PUBLIC_BASE_URL without a request, so they
    need none of it, and leaving it out keeps the console, public pages, APIs and what only
    they use (password hashing, the strength estimator, forms) out of the consumers' memory
    (bench/fanout.py prints their resident size; tests/test_worker_modules.py names what
    must stay out).
    """
    app = _configured_app(overrides)
    _init_core(app)
    from statuspage.messages import templating

    templating.init_app(app)
    return app


def _configured_app(overrides: dict[str, Any] | None) -> Flask:
    """The Flask object with its settings, logging and error reporting set up."""
    from statuspage.core.config import load_config

    instance_path = Path(os.environ.get("INSTANCE_PATH") or ROOT / "instance")
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(load_config(os.environ, instance_path))
    if overrides:
        app.config.update(overrides)
    from statuspage.core import error_reporting, logging_setup

    logging_setup.init_app(app)  # first: once per process, before anything logs
    error_reporting.init_app(app)  # with SENTRY_DSN: once per process (web, worker, sms, CLI)
    return app


def create_metrics_app() -> Flask:
    """The app for a private bind (README "Metrics"): GET /metrics answers without a token.

    `gunicorn --bind 127.0.0.1:9100 'statuspage:create_metrics_app()'`; never on a public bind.
    """
    return create_app({"METRICS_WITHOUT_TOKEN": True})


def _init_extensions(app: Flask) -> None:
    _init_core(app)
    from statuspage.core.extensions import csrf, db, login_manager, migrate
    from statuspage.web import cache, db_guard, login, process_beat, ratelimits

    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    ratelimits.init_app(app)
    login_manager.init_app(app)
    login.init_app(app)
    cache.init_app(app)
    process_beat.init_app(app)  # the web process's heartbeat row, on its first request
    db_guard.init_app(app)


def _init_core(app: Flask) -> None:
    """What every process needs: the database, languages and the task queues."""
    from statuspage import models  # noqa: F401  (models register tables)
    from statuspage.core import i18n
    from statuspage.core.db_timeouts import engine_options
    from statuspage.core.extensions import db

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)
    db.init_app(app)
    i18n.init_app(app)
    from statuspage import tasks

    tasks.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from statuspage.api.alert_hooks import bp as alert_hooks
    from statuspage.api.hooks import bp as hooks
    from statuspage.api.v1 import bp as api_v1
    from statuspage.api.v2 import bp as api_v2
    from statuspage.console import bp as console
    from statuspage.public import bp as public
    from statuspage.public.internal_views import bp as internal
    from statuspage.web.health import bp as health
    from statuspage.web.metrics import bp as metrics

    app.register_blueprint(health)
    app.register_blueprint(metrics)
    app.register_blueprint(public)
    app.register_blueprint(internal)
    app.register_blueprint(api_v2)
    app.register_blueprint(api_v1)
    app.register_blueprint(hooks)
    app.register_blueprint(alert_hooks)
    app.register_blueprint(console)
