"""The monthly report: a month's incidents, response times against the plan's targets, cadence
and uptime, shown in the console and exported as CSV. Read month.py first; figures.py computes
its statistics and csv_export.py writes the CSV.
"""
