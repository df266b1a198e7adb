"""What both processes share: the launch spec, commands, the timeline, job metadata, ids."""
