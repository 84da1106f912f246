"""Renderers: turn core results (traces, listings, reports) into tables, JSON, CSV and NPY."""
