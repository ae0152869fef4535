"""HTTP routes: each module translates requests to service calls and back."""
