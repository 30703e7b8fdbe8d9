"""What the bundled OpenAlex server emulates of the 2026 API's access rules: keys and the daily budget.

As documented (developers.openalex.org "Authentication & Pricing", docs.openalex.org "Rate limits and
authentication") and as the API's edge proxy implements it (ourresearch/openalex-api-proxy):

* the key comes as ``Authorization: Bearer`` or ``api_key``; an unknown key answers **401**
  ``{"error": "Invalid or missing API key", ...}``;
* every key has a daily credit budget that resets at midnight UTC; a list request costs 1 credit, a
  search (the ``search`` parameters or a ``.search`` filter) 10, a single work 0;
* every answer carries ``X-RateLimit-Limit``, ``-Remaining``, ``-Credits-Used`` and ``-Reset`` (seconds to
  midnight UTC); when the budget cannot pay for a request the answer is **429** with ``Retry-After`` =
  seconds to midnight, ``X-RateLimit-Credits-Required`` and the message "Insufficient budget. This request
  costs $... but you only have $... remaining. Resets at midnight UTC. ...".

The clock is injectable so tests move to the next day without waiting.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

__all__ = ["Budget", "KeyCheck", "request_cost"]

CREDIT_USD = 0.0001
LIST_CREDITS, SEARCH_CREDITS, SINGLETON_CREDITS = 1, 10, 0


def request_cost(path_parts: list[str], params: Mapping[str, list[str]]) -> int:
    """Credits one API request costs: a single work is free, a search 10, any other list 1."""
    if len(path_parts) != 1:
        return SINGLETON_CREDITS
    if any(k == "search" or k.startswith("search.") for k in params):
        return SEARCH_CREDITS
    if any(".search" in f for f in params.get("filter", [])):
        return SEARCH_CREDITS
    return LIST_CREDITS


def _usd(credits: int) -> str:
    return f"{credits * CREDIT_USD:.4f}".rstrip("0").rstrip(".") or "0"


@dataclass
class Budget:
    """A daily credit budget (None = unlimited, and no ``X-RateLimit-*`` headers are sent).

    Attributes:
        daily_credits: credits per day.
        clock: the current time (UTC); the budget resets when its date changes.
    """

    daily_credits: int | None = None
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    used: int = 0
    _day: date | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def seconds_to_reset(self) -> int:
        now = self.clock()
        midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        return max(int((midnight - now).total_seconds() + 0.999), 1)

    def _roll(self) -> None:
        today = self.clock().date()
        if self._day != today:
            self._day, self.used = today, 0

    def remaining(self) -> int | None:
        with self._lock:
            self._roll()
            return None if self.daily_credits is None else max(self.daily_credits - self.used, 0)

    def charge(self, cost: int) -> tuple[bool, dict[str, str], dict | None]:
        """Pay for one request: (allowed, headers for the answer, 429 body when refused)."""
        with self._lock:
            self._roll()
            if self.daily_credits is None:
                return True, {}, None
            left = self.daily_credits - self.used
            reset = str(self.seconds_to_reset())
            headers = {"X-RateLimit-Limit": str(self.daily_credits), "X-RateLimit-Reset": reset,
                       "X-RateLimit-Credits-Required": str(cost)}
            if cost > left:
                headers.update({"X-RateLimit-Remaining": str(max(left, 0)), "Retry-After": reset})
                message = (f"Insufficient budget. This request costs ${_usd(cost)} but you only have "
                           f"${_usd(max(left, 0))} remaining. Resets at midnight UTC. Need more? Add funds at "
                           "https://openalex.org/pricing")
                body = {"error": "Rate limit exceeded", "message": message, "retryAfter": int(reset),
                        "creditsRequired": cost, "creditsRemaining": max(left, 0)}
                return False, headers, body
            self.used += cost
            headers.update({"X-RateLimit-Remaining": str(self.daily_credits - self.used),
                            "X-RateLimit-Credits-Used": str(cost)})
            return True, headers, None


@dataclass
class KeyCheck:
    """Which API keys the server accepts (None = any request, with or without a key)."""

    keys: frozenset[str] | None = None

    @classmethod
    def of(cls, keys: Iterable[str] | None) -> KeyCheck:
        return cls(None if keys is None else frozenset(keys))

    def refusal(self, headers: Mapping[str, str], params: Mapping[str, list[str]]) -> dict | None:
        """The 401 body for a missing or unknown key, or None when the request may proceed."""
        if self.keys is None:
            return None
        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        parts = auth.split(" ")
        key = parts[1] if len(parts) == 2 and parts[0].lower() == "bearer" else None
        key = key or (params.get("api_key") or [None])[-1]
        if key in self.keys:
            return None
        message = "API key not found" if key else "Provide a valid API key"
        return {"error": "Invalid or missing API key", "message": message}
