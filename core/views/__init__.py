"""Core's web pages: sign-in, home and search, and the admin pages."""
