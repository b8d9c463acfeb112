"""The plans app's part of the public API (/api/v1/): plans, creating a deal's plan, and
rescheduling a task. Views in views.py, serializers (shape only) in serializers.py, what the
views read in selectors.py; the writes go through the same services as the pages."""
