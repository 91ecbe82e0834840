"""Post alert text to a Slack-compatible incoming webhook with the standard library only.

The webhook URL contains its own credential, so logs and errors show only its scheme and
host. Slack's incoming webhooks reply with HTTP 200 with the body `ok`, HTTP 429 with a
`Retry-After` header in seconds when rate-limited, and 4xx with a short error code in the
body (https://api.slack.com/messaging/webhooks).
"""

from __future__ import annotations

import http.client
import json
import logging
import math
import os
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from time import sleep
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

WEBHOOK_URL_ENV = "SALESAUDIT_ALERT_WEBHOOK_URL"
MAX_ATTEMPTS = 3
# Wait used when a 429 reply has no Retry-After header or one that is not a number of seconds.
DEFAULT_RETRY_AFTER_SECONDS = 1.0
# Maximum characters of an error reply quoted in AlertDeliveryError.
MAX_REPLY_CHARS = 200

_CREATE_NEW_WEBHOOK = (
    f"Create a new incoming webhook in Slack and put its URL in {WEBHOOK_URL_ENV}."
)
_REPORT_BUG = "This is a salesaudit bug, so please report it."

# Cause and fix for each error code that Slack documents for incoming webhooks.
_FIX_BY_SLACK_ERROR = {
    "invalid_payload": f"The request body was not valid JSON with a text field. {_REPORT_BUG}",
    "no_text": f"The message text was empty. {_REPORT_BUG}",
    "invalid_token": f"The webhook URL's token is invalid. {_CREATE_NEW_WEBHOOK}",
    "action_prohibited": "A workspace admin restricted posting through this webhook. "
    "Ask the admin to allow the app in the channel.",
    "posting_to_general_channel_denied": "Only admins may post to this channel. "
    f"Pick another channel. {_CREATE_NEW_WEBHOOK}",
    "no_service": f"The webhook URL was revoked or disabled. {_CREATE_NEW_WEBHOOK}",
    "channel_not_found": f"The webhook's channel was deleted. {_CREATE_NEW_WEBHOOK}",
    "channel_is_archived": "The webhook's channel is archived. Unarchive it, or pick "
    f"another channel. {_CREATE_NEW_WEBHOOK}",
}

# Fallbacks by HTTP status when the body is not one of the codes above.
_FIX_BY_STATUS = {
    400: "The webhook rejected the message body. Check that the URL is a Slack-compatible "
    "incoming webhook.",
    401: f"The webhook rejected the credentials. {_CREATE_NEW_WEBHOOK}",
    403: "The webhook is not allowed to post. Check the app's permissions in the workspace.",
    404: f"The webhook URL does not exist or was revoked. {_CREATE_NEW_WEBHOOK}",
    410: f"The webhook's channel is gone or archived. {_CREATE_NEW_WEBHOOK}",
    429: "The webhook is still rate-limited after retrying. Send fewer alerts, or raise "
    "max_wait_seconds.",
}


class AlertDeliveryError(RuntimeError):
    """Error raised when the webhook rejects the alert or cannot be reached.

    The message names the HTTP status, the reply body and the fix.
    """


@dataclass(frozen=True)
class AlertChannel:
    """Slack-compatible incoming webhook. The `url` is a secret, so repr leaves it out."""

    url: str = field(repr=False)
    timeout_seconds: float = 10.0
    # Maximum single wait after HTTP 429, whatever Retry-After requests.
    max_wait_seconds: float = 30.0

    def __post_init__(self) -> None:
        problem = _url_problem(self.url)
        if problem is not None:
            raise ValueError(f"Invalid alert webhook URL: {problem}.")
        if self.timeout_seconds <= 0:
            raise ValueError(f"Invalid timeout_seconds {self.timeout_seconds}: use more than 0.")
        if self.max_wait_seconds < 0:
            raise ValueError(f"Invalid max_wait_seconds {self.max_wait_seconds}: use 0 or more.")

    @classmethod
    def from_env(cls) -> AlertChannel | None:
        """Build a channel from SALESAUDIT_ALERT_WEBHOOK_URL, or return None when it is unset."""
        url = os.environ.get(WEBHOOK_URL_ENV, "").strip()
        if not url:
            return None
        problem = _url_problem(url)
        if problem is not None:
            raise ValueError(
                f"Invalid {WEBHOOK_URL_ENV}: {problem}. Set it to the Slack incoming webhook "
                "URL (https://hooks.slack.com/services/...), or unset it to turn alerts off."
            )
        return cls(url)

    @property
    def display_url(self) -> str:
        """Scheme and host of the webhook, safe to log."""
        parts = urlsplit(self.url)
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{parts.hostname}{port}"

    def send(self, text: str) -> None:
        """Post `text` as `{"text": ...}`, retrying on HTTP 429.

        Raises AlertDeliveryError for any other non-2xx reply, a timeout or a network error.
        """
        body = json.dumps({"text": text}).encode("utf-8")
        for attempt in range(1, MAX_ATTEMPTS + 1):
            status, reply, retry_after = self._post(body)
            if 200 <= status < 300:
                logger.info("Sent alert to %s (HTTP %d)", self.display_url, status)
                return
            if status == 429 and attempt < MAX_ATTEMPTS:
                wait = min(_parse_retry_after(retry_after), self.max_wait_seconds)
                logger.warning(
                    "Alert webhook %s rate-limited the request (HTTP 429, attempt %d of %d), "
                    "retrying in %.1f s",
                    self.display_url,
                    attempt,
                    MAX_ATTEMPTS,
                    wait,
                )
                sleep(wait)
                continue
            raise AlertDeliveryError(self._failure_message(status, reply, attempt))

    def _post(self, body: bytes) -> tuple[int, str, str | None]:
        """Send one request and return the status, the reply text and the Retry-After header."""
        request = urllib.request.Request(
            self.url,
            data=body,
            headers={"Content-Type": "application/json; charset=utf-8"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:
                return response.status, _read_reply(response), None
        except urllib.error.HTTPError as err:
            return err.code, _read_reply(err), err.headers.get("Retry-After")
        except TimeoutError as err:
            raise AlertDeliveryError(self._timeout_message()) from err
        except urllib.error.URLError as err:
            # urlopen wraps a connect timeout in URLError, but a read timeout arrives bare above.
            if isinstance(err.reason, TimeoutError):
                raise AlertDeliveryError(self._timeout_message()) from err
            raise AlertDeliveryError(
                f"Could not reach alert webhook {self.display_url}: {err.reason}. Check the "
                f"host in {WEBHOOK_URL_ENV} and the network or proxy settings."
            ) from err

    def _timeout_message(self) -> str:
        return (
            f"Alert webhook {self.display_url} timed out after {self.timeout_seconds} s. "
            "Check that the host is reachable from the Dagster daemon, or raise timeout_seconds."
        )

    def _failure_message(self, status: int, reply: str, attempts: int) -> str:
        code = reply.strip()
        fix = _FIX_BY_SLACK_ERROR.get(code) or _FIX_BY_STATUS.get(status)
        if fix is None and status >= 500:
            fix = "The webhook service failed. Check its status page and wait for the next alert."
        if fix is None:
            fix = f"Check that {WEBHOOK_URL_ENV} is a Slack-compatible incoming webhook."
        shown_reply = repr(code[:MAX_REPLY_CHARS]) if code else "(empty body)"
        return (
            f"Alert webhook {self.display_url} returned HTTP {status} {shown_reply} "
            f"after {attempts} attempt(s). {fix}"
        )


def _url_problem(url: str) -> str | None:
    """Describe why `url` cannot be a webhook URL, without repeating the URL itself."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return "the URL cannot be parsed"
    if parts.scheme not in ("http", "https"):
        shown_scheme = f"{parts.scheme!r}" if parts.scheme else "none"
        return f"the scheme must be http or https, got {shown_scheme}"
    if not parts.hostname:
        return "the URL has no host"
    return None


def _read_reply(response: http.client.HTTPResponse | urllib.error.HTTPError) -> str:
    return response.read(4096).decode("utf-8", errors="replace")


def _parse_retry_after(value: str | None) -> float:
    """Return the wait in seconds from a Retry-After header that gives seconds."""
    # NOTE: the HTTP-date form of Retry-After gets the default wait. Slack sends seconds.
    if value is None:
        return DEFAULT_RETRY_AFTER_SECONDS
    try:
        seconds = float(value)
    except ValueError:
        return DEFAULT_RETRY_AFTER_SECONDS
    if math.isnan(seconds):
        return DEFAULT_RETRY_AFTER_SECONDS
    return max(seconds, 0.0)
