"""Feeds in: order-line files and S's catalog feed, validated, quarantined, stored, and indexed."""
