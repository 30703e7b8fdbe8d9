"""Screens of the app: home (all reviews), screener, help, and small modal prompts."""
