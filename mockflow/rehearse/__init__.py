"""Rehearsals: simulated candidates interview the real interviewer, and code grades its conduct.

`python -m mockflow rehearse` runs interviews through the real text transport (agent
process, FSM, prompts) against any OpenAI-compatible model. Personas are data
(`personas/*.toml`); the candidate (`candidate`) answers from them; the runner (`runner`)
drives one interview through the `Supervisor`; the grader (`grader`, over the phrase data
of `conduct`) measures the interviewer; an optional LLM judge (`judge`) scores it on a
written rubric with verified quotes; `summary` adds it up.
"""
