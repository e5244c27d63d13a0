"""The resource server: local validation of OAuth 2.0 bearer JWTs for Django REST framework."""
