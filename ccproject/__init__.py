"""ccproject: a Django service securing server-to-server APIs with OAuth 2.0 client credentials."""
