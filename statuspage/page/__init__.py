"""The status page itself: its settings row and the use-case that changes it, the queries the
public pages, feeds and API share, the status roll-up, uptime bars, the logo and the API v2
serializers. Read record.py first (the page row and its cache version), then queries.py.
"""
