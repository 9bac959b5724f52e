"""Seasons: registered agents competing on isolated accounts over the same market."""
