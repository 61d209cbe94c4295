"""museumfeeds aggregator: config, store, dedup, tagging, publishing, scheduling and the CLI."""
__version__ = "0.1.0"
