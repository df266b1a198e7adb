"""The LLM rubric: prompt, schema, the model seam, and quote verification."""
