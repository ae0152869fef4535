"""Keys, tokens and password hashing."""
