"""The services the UI and the API call: interviews, reports, key checks, identity, fair use."""
