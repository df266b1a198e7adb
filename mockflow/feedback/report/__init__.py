"""The report: one model, its format-neutral view, and the Markdown/HTML/JSON renderings."""
