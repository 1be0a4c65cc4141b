"""Incidents and maintenance windows: declaring, updating, approving and closing them, with
their postmortems, update cadence, response metrics and message templates.
Read lifecycle.py first (open, update, resolve); updates.py shows how one update lands.
"""
