SELECT key, value FROM rubric_summary
