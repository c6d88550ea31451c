"""Dashboard cards of correspondence (placeholder until the cards land: shows none)."""

from __future__ import annotations


def cards_for(user) -> list:
    """The DashboardCards this person sees on the home page."""
    return []
