"""The shop's URLs and views: a paid order confirmed from the backend."""

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from examples.server.shop import purchase
from xo_web.server import session_id_from, user_from
from xo_web.server.integrations.django import tracker


def health(request: HttpRequest) -> JsonResponse:
    """Answer when the site is up."""
    return JsonResponse({"ok": True})


@csrf_exempt  # type: ignore[untyped-decorator]  # a real shop: its payment webhook
@require_POST  # type: ignore[untyped-decorator]
def paid(request: HttpRequest, order_id: str) -> JsonResponse:
    """Record the purchase durably, with the visitor's browser session id."""
    tracker().send(purchase(order_id), user=user_from(request))
    return JsonResponse({"ok": True, "sessionId": session_id_from(request)})


urlpatterns = [
    path("health", health),
    path("orders/<str:order_id>/paid", paid),
]
