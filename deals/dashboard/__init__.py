"""The manager's pipeline dashboard: filters (filters.py), figures aggregated in the database
(metrics.py) over pure arithmetic (stats.py), server-drawn charts (charts.py), the deal table
behind every figure and its CSV (table.py), and the pages (views.py)."""
