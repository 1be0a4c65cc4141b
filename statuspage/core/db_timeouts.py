"""Time bounds on every database connection, so a slow or hung database cannot hold the web tier.

Applied to the engine options just before Flask-SQLAlchemy builds the engine (the final
`SQLALCHEMY_DATABASE_URI` is known only then: tests and scripts override it):

- PostgreSQL (psycopg): `connect_timeout` bounds the whole connection handshake;
  `statement_timeout` makes the server cancel any statement running longer; TCP keepalives and
  `tcp_user_timeout` make the client's kernel drop a connection whose packets go unanswered
  (a network path that silently drops traffic, which no server-side timeout can end);
  `pool_timeout` bounds the wait for a pooled connection.
- SQLite: `timeout` is how long a statement waits for another process's write lock.

A path that stays open but passes nothing (a stuck proxy) is bounded where it matters by
statuspage.web.db_guard, which runs the web tier's probe reads with a deadline of their own.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import make_url


def engine_options(config: dict[str, Any]) -> dict[str, Any]:
    """SQLALCHEMY_ENGINE_OPTIONS with the configured time bounds added for this database."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect = int(config.get("DATABASE_CONNECT_TIMEOUT_SECONDS", 5))
    statement = int(config.get("DATABASE_STATEMENT_TIMEOUT_SECONDS", 15))
    url = make_url(config["SQLALCHEMY_DATABASE_URI"])
    connect_args = dict(options.get("connect_args") or {})
    if url.get_backend_name() == "postgresql":
        # connect_args replace the URL's own `options` (tests put search_path there): keep it.
        server = [str(url.query["options"])] if "options" in url.query else []
        if statement:
            server.append(f"-c statement_timeout={statement * 1000}")
        if server:
            connect_args["options"] = " ".join(server)
        # Unanswered keepalives or unacknowledged data end the connection in about this long.
        dead_after = max(statement, connect, 5)
        connect_args.update(connect_timeout=connect, keepalives=1, keepalives_idle=5,
                            keepalives_interval=2, keepalives_count=max(1, dead_after // 2),
                            tcp_user_timeout=dead_after * 1000)
        if "poolclass" not in options:  # a NullPool (tests) takes no pool_timeout
            options.setdefault("pool_timeout", connect)
    elif url.get_backend_name() == "sqlite":
        connect_args.setdefault("timeout", statement or 5)
    options["connect_args"] = connect_args
    return options
