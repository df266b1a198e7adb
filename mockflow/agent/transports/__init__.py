"""How an interview reaches the agent: typed stdin/stdout text, or voice in a LiveKit room."""
