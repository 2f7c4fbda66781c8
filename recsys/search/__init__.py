"""Catalog search: hybrid dense + keyword ranking over the product index (see service.SearchService)."""
