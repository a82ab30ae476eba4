"""HTTP routes: each translates HTTP to one domain call and back."""
