"""The communication plan: who hears each event, on which channels, how often, approved or not,
and the stakeholder groups it routes to. Read rules.py first (`decide`); document.py is its
YAML form, stakeholders.py and stakeholder_members.py its internal audiences.
"""
