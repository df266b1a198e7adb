"""Honest interview feedback: measured analytics, a verified LLM rubric, and the report.

- `session`: the turns and facts of a session folder, as the feedback reads them.
- `analytics/`: figures computed from `events.jsonl` (`measures`, the filler rule in
  `fillers`, job-description terms in `terms`), and `progress` across sessions.
- `rubric/`: the LLM's validated, quote-verified judgement behind the `llm.RubricLLM` seam
  (`llm.OpenAIRubricLLM` is the real one and the only module that loads the openai SDK).
- `report/`: `model` builds the report and its stored dict form, the one shape every view
  reads; `view` turns it into format-neutral blocks that `markdown` and `html` render;
  `export` is the one exporter of the downloads.
- `demo`: the bundled synthetic sample session; `cli`: `python -m mockflow report`.
"""
