"""The WSGI app the public-page benchmark serves: the real app plus a bare Flask route.

`/bench/bare` goes through the same app, middleware and server configuration as the cached
public routes, so the ratio between them measures what the routes themselves cost.
"""

from __future__ import annotations

from statuspage import create_app

app = create_app()


@app.get("/bench/bare")
def bare() -> str:
    return "ok"
