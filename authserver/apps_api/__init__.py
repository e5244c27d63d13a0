"""The subset of Okta's Apps API (`/api/v1/apps`) that client registration needs, in Okta's wire format."""
