"""One module per tab: its layout, its wiring and its handlers."""
