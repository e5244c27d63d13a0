"""The protected hello endpoint."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
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

    @extend_schema(
        operation_id="hello",
        summary="Say hello to an authenticated client",
        description='Answers the JSON string `"Hello World!"` to a client whose access token carries the scope.',
        responses={
            200: OpenApiResponse(
                OpenApiTypes.STR,
                description="The greeting.",
                examples=[OpenApiExample("Hello", value="Hello World!")],
            )
        },
    )
    def get(self, request: Request) -> Response:
        return Response("Hello World!")
