"""Reports for the back office: IKM, dashboard counters, SLA compliance, time per state, SVG charts.

The arithmetic lives in pure functions (tested without an app); the query helpers beside them read
only what they need, with aggregates in SQL.
"""
