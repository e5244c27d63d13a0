"""Client registration: creates API clients at the identity provider and records them."""
