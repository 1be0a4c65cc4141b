"""Moving a page from Atlassian Statuspage: `flask import-statuspage` (statuspage.cli).

Read run.py first: it reads the page through client.py and source.py (the Manage API with a
key, or the public /api/v2 without one), then brings each kind of object in, components.py,
templates.py, incidents.py and subscribers.py, each planning first (what it would create,
update or leave) and then writing. links.py remembers which Statuspage object became which
local row, so a second run updates instead of duplicating. Nothing is ever sent: the history
is written as it happened, straight to the models, like the demo seed's.
"""
