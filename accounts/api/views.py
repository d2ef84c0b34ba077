"""Mobile sign-in: Google ID token or email + password in, a simplejwt pair out."""

from allauth.account import app_settings as allauth_account_settings
from allauth.account.adapter import get_adapter as get_account_adapter
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.serializers import TokenBlacklistSerializer, TokenRefreshSerializer
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import selectors, services
from accounts.access import AuthenticatedRequest
from accounts.api.serializers import (
    AccessTokenSerializer,
    AccountDeleteSerializer,
    GoogleSignInSerializer,
    LoginSerializer,
    RefreshSerializer,
    TokenPairSerializer,
    UserSerializer,
)
from accounts.google import GoogleTokenError, GoogleUnavailable, verify_google_id_token
from accounts.models import User
from yousync.api.errors import ApiError
from yousync.api.serializers import ErrorSerializer


class CredentialsRefused(AuthenticationFailed):
    """401 with a WWW-Authenticate header, like every other refused credential."""


def _signed_in(user) -> Response:
    tokens = services.user_issue_tokens(user=user)
    return Response({**tokens, "user": UserSerializer(user).data})


class PublicAuthView(APIView):
    # No session authentication (and so no CSRF) on endpoints that take credentials.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]

    def get_authenticate_header(self, request: Request) -> str:
        # Without it DRF would turn refused credentials (401) into 403.
        return 'Bearer realm="api"'


_ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Malformed JSON or unknown fields"),
    401: OpenApiResponse(ErrorSerializer, description="Credentials refused"),
}


class GoogleSignInView(PublicAuthView):
    throttle_scope = "auth"

    @extend_schema(
        request=GoogleSignInSerializer,
        responses={
            200: TokenPairSerializer,
            **_ERRORS,
            403: ErrorSerializer,
            503: ErrorSerializer,
        },
        summary="Sign in with a Google ID token",
    )
    def post(self, request: Request) -> Response:
        serializer = GoogleSignInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            identity = verify_google_id_token(serializer.validated_data["id_token"])
        except GoogleTokenError as exc:
            raise CredentialsRefused(exc.message, exc.code) from exc
        except GoogleUnavailable as exc:
            raise ApiError(status.HTTP_503_SERVICE_UNAVAILABLE, exc.message, exc.code) from exc
        try:
            user = services.user_sign_in_with_google(identity=identity)
        except services.AccountRefused as exc:
            raise ApiError(status.HTTP_403_FORBIDDEN, exc.message, exc.code) from exc
        return _signed_in(user)


class LoginView(PublicAuthView):
    throttle_scope = "auth"

    @extend_schema(
        request=LoginSerializer,
        responses={200: TokenPairSerializer, **_ERRORS, 403: ErrorSerializer, 429: ErrorSerializer},
        summary="Sign in with email and password",
    )
    def post(self, request: Request) -> Response:
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # allauth's adapter counts failures against the same limits as the web form.
        django_request = request._request
        try:
            user = get_account_adapter(django_request).authenticate(
                django_request, **serializer.validated_data
            )
        except DjangoValidationError as exc:
            raise Throttled(
                detail=_("Too many failed sign-in attempts. Try again later."),
                code="too_many_login_attempts",
            ) from exc
        if user is None:
            raise CredentialsRefused(
                _("The email address or password is not correct."), "invalid_credentials"
            )
        if not user.is_active:
            raise ApiError(
                status.HTTP_403_FORBIDDEN, _("This account is inactive."), "user_inactive"
            )
        mandatory = allauth_account_settings.EmailVerificationMethod.MANDATORY
        if mandatory == allauth_account_settings.EMAIL_VERIFICATION and not (
            selectors.user_has_verified_email(user=user)
        ):
            raise ApiError(
                status.HTTP_403_FORBIDDEN,
                _("Confirm your email address first: follow the link we emailed you."),
                "email_not_verified",
            )
        return _signed_in(user)


class RefreshView(PublicAuthView):
    throttle_scope = "auth"

    @extend_schema(
        request=RefreshSerializer,
        responses={200: AccessTokenSerializer, **_ERRORS},
        summary="Exchange a refresh token for a new pair (the old one is spent)",
    )
    def post(self, request: Request) -> Response:
        serializer = RefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        raw = serializer.validated_data["refresh_token"]
        rotation = TokenRefreshSerializer(data={"refresh": raw})
        try:
            with transaction.atomic():
                # Lock the token's row so two concurrent refreshes cannot both spend it.
                jti = RefreshToken(raw).payload.get("jti")
                OutstandingToken.objects.select_for_update().filter(jti=jti).first()
                rotation.is_valid(raise_exception=True)
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        except User.DoesNotExist as exc:  # the account was deleted since the token was issued
            raise CredentialsRefused(
                _("No active account found for the given token."), "no_active_account"
            ) from exc
        return Response(
            {
                "access_token": rotation.validated_data["access"],
                "refresh_token": rotation.validated_data["refresh"],
            }
        )


class LogoutView(PublicAuthView):
    @extend_schema(
        request=RefreshSerializer,
        responses={204: None, **_ERRORS},
        summary="Revoke a refresh token",
    )
    def post(self, request: Request) -> Response:
        serializer = RefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        revoke = TokenBlacklistSerializer(
            data={"refresh": serializer.validated_data["refresh_token"]}
        )
        try:
            revoke.is_valid(raise_exception=True)
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]

    @extend_schema(responses={200: UserSerializer, 401: ErrorSerializer}, summary="My profile")
    def get(self, request: AuthenticatedRequest) -> Response:
        return Response(UserSerializer(request.user).data)

    @extend_schema(
        request=UserSerializer,
        responses={200: UserSerializer, 400: ErrorSerializer, 401: ErrorSerializer},
        summary="Change my profile",
    )
    def patch(self, request: AuthenticatedRequest) -> Response:
        serializer = UserSerializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = services.user_update_profile(user=request.user, data=serializer.validated_data)
        return Response(UserSerializer(user).data)

    @extend_schema(
        request=AccountDeleteSerializer,
        responses={
            204: OpenApiResponse(description="The account, its data and its files are gone"),
            400: ErrorSerializer,
            401: OpenApiResponse(
                ErrorSerializer,
                description=(
                    "Not signed in, or the proof refused: `invalid_credentials` (wrong "
                    "password), `wrong_account`, `token_not_fresh`, `invalid_token`, "
                    "`token_expired`, `wrong_audience`, `wrong_issuer` (Google ID token)"
                ),
            ),
            429: OpenApiResponse(
                ErrorSerializer,
                description="`too_many_login_attempts`: the sign-in limits for wrong passwords",
            ),
            503: OpenApiResponse(ErrorSerializer, description="Google's keys unreachable"),
        },
        summary="Delete my account",
        description=(
            "Deletes the account and everything that is the learner's: attempts and their "
            "recordings, practice sessions, bookmarks, statistics, e-mail addresses and "
            "the linked Google account. Every refresh token issued to it is revoked and "
            "its access tokens stop working. The body proves it is the learner: "
            '`{"password": "..."}`, or for an account without a password '
            '`{"id_token": "..."}`, a Google ID token issued in the last 5 minutes to '
            "the Google account linked to it. 400 `password_required` or "
            "`id_token_required` when the needed one is missing."
        ),
    )
    def delete(self, request: AuthenticatedRequest) -> Response:
        serializer = AccountDeleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.user_reauthenticate(
                request=request._request, user=request.user, **serializer.validated_data
            )
        except services.ReauthenticationThrottled as exc:
            raise Throttled(
                detail=_("Too many failed sign-in attempts. Try again later."),
                code="too_many_login_attempts",
            ) from exc
        except services.ReauthenticationRefused as exc:
            if exc.code in {"password_required", "id_token_required"}:
                raise ApiError(status.HTTP_400_BAD_REQUEST, exc.message, exc.code) from exc
            raise CredentialsRefused(exc.message, exc.code) from exc
        except GoogleTokenError as exc:
            raise CredentialsRefused(exc.message, exc.code) from exc
        except GoogleUnavailable as exc:
            raise ApiError(status.HTTP_503_SERVICE_UNAVAILABLE, exc.message, exc.code) from exc
        services.user_delete(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
