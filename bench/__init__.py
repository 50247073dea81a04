"""Measuring stick for the sanitizer: seeded corpus generator (corpus.py) and scorer (score.py)."""
