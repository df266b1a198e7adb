"""Interviews served by MockFlow workers through LiveKit dispatch, plus tokens and a dev server."""
