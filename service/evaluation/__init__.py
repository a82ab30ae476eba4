"""Evaluation runs from the console: question sets, background runs, their metrics and differences."""
