"""The interview itself, independent of any transport: stages (FSM), tracks, context, prompts."""
