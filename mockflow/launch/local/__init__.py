"""Interviews run as local agent processes: spawn, fork server, warm pool, reaper."""
