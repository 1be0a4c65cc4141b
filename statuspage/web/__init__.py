"""What every web request passes through, whichever blueprint serves it: input checks, security
headers, request ids, sessions and login, rate limits, error pages, health probes and the
response cache (most installed by the app factory's `init_app` calls). Read cache.py first.
"""
