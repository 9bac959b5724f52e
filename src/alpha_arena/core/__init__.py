"""Clock, time helpers, settings and the error hierarchy shared by every package."""
