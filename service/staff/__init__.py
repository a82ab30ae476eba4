"""The staff console's accounts and sessions (its pages are service/routes/console.py, its files console/)."""
