"""Shared vocabulary: records, errors, text helpers, places and figures (imports nothing of ipbot)."""
