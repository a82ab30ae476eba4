"""The conversation log: every answer of every channel, the feedback on it, exports and retention."""
