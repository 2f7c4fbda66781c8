"""Shared settings, data model and store. Imported by ingestion, recsys and assistant; imports none of them."""
