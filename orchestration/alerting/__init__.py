"""Alerts: post a message to a Slack-compatible incoming webhook when an audit run fails.

- `channel`: `AlertChannel` posts text to the webhook in SALESAUDIT_ALERT_WEBHOOK_URL.
- `messages`: the English or Korean run-failure message (SALESAUDIT_LOCALE).
- `sensors`: the Dagster run-failure sensor that builds and sends the message.
"""

from orchestration.alerting.channel import AlertChannel, AlertDeliveryError
from orchestration.alerting.messages import alert_locale, alert_ui_url, run_failure_message
from orchestration.alerting.sensors import build_run_failure_alert_sensor

__all__ = [
    "AlertChannel",
    "AlertDeliveryError",
    "alert_locale",
    "alert_ui_url",
    "build_run_failure_alert_sensor",
    "run_failure_message",
]
