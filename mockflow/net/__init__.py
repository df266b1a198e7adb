"""Outbound connections: which addresses a request may reach, and pinning to a vetted one."""
