"""The protected hello endpoint."""

from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .conf import api_settings
from .permissions import TokenHasScope


class HelloView(APIView):
    """`GET /`: "Hello World!" for a client whose token carries the hello scope."""

    permission_classes = [IsAuthenticated, TokenHasScope]

    def get_required_scopes(self) -> list[str]:
        return [api_settings.HELLO_SCOPE]

    def get(self, request: Request) -> Response:
        return Response("Hello World!")
