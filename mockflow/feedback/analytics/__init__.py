"""Delivery figures measured from the transcript, and progress across sessions."""
