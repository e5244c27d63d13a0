"""`ClientFacingError`: a refusal whose code and description are sent to the client as they are."""


class ClientFacingError(Exception):
    """An error with a machine-readable `error` code and a one-line human `description`.

    Both go to the client (an RFC 6749 §5.2 body, an RFC 6750 §3 or RFC 9449 §7.1 challenge) and
    into logs unchanged. So every description says what is wrong in the project's own words and
    never holds what the request sent: no token, proof, assertion or secret is ever repeated.
    """

    error = "invalid_request"

    def __init__(self, description: str):
        super().__init__(description)
        self.description = description
