"""Search of letters (placeholder until the search feature lands: answers nothing)."""

from __future__ import annotations


def search_results(user, query: str, limit: int) -> list:
    """SearchResults of the letters this person may open that match the query, for the global search box."""
    return []
