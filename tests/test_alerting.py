"""Run-failure alerts: the webhook channel against a local HTTP server, the message text in
both languages, and the Dagster sensor evaluated on a real failed run."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator

import dagster as dg
import pytest
from pytest_httpserver import HTTPServer

from orchestration.alerting import (
    AlertChannel,
    AlertDeliveryError,
    alert_locale,
    alert_ui_url,
    build_run_failure_alert_sensor,
    run_failure_message,
)
from orchestration.alerting import channel as channel_module
from orchestration.alerting.sensors import SENSOR_NAME, run_partition

# The path plays the role of the secret part of a real Slack webhook URL.
WEBHOOK_PATH = "/services/T000/B000/secret-token-xyz"
SECRET = "secret-token-xyz"
ALERT_ENV = ("SALESAUDIT_ALERT_WEBHOOK_URL", "SALESAUDIT_LOCALE", "SALESAUDIT_UI_URL")


@pytest.fixture(autouse=True)
def clean_alert_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ALERT_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def webhook() -> Iterator[HTTPServer]:
    with HTTPServer(host="127.0.0.1") as server:
        yield server


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the channel's waits between retries instead of sleeping."""
    waits: list[float] = []
    monkeypatch.setattr(channel_module, "sleep", waits.append)
    return waits


def webhook_url(server: HTTPServer) -> str:
    return server.url_for(WEBHOOK_PATH)


# --- channel -------------------------------------------------------------------------------


def test_send_posts_text_as_json(webhook: HTTPServer) -> None:
    text = "감사 실행 실패: monthly_audit"
    webhook.expect_request(WEBHOOK_PATH, method="POST").respond_with_data("ok")

    AlertChannel(webhook_url(webhook)).send(text)

    assert len(webhook.log) == 1
    request, _ = webhook.log[0]
    assert request.get_json() == {"text": text}
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"


def test_send_retries_after_429(webhook: HTTPServer, sleeps: list[float]) -> None:
    for retry_after in ("0", "1"):
        webhook.expect_ordered_request(WEBHOOK_PATH, method="POST").respond_with_data(
            "rate_limited", status=429, headers={"Retry-After": retry_after}
        )
    webhook.expect_ordered_request(WEBHOOK_PATH, method="POST").respond_with_data("ok")

    AlertChannel(webhook_url(webhook)).send("hello")

    assert len(webhook.log) == 3
    assert sleeps == [0.0, 1.0]
    assert all(request.get_json() == {"text": "hello"} for request, _ in webhook.log)


def test_retry_wait_capped(webhook: HTTPServer, sleeps: list[float]) -> None:
    webhook.expect_ordered_request(WEBHOOK_PATH).respond_with_data(
        "rate_limited", status=429, headers={"Retry-After": "120"}
    )
    webhook.expect_ordered_request(WEBHOOK_PATH).respond_with_data(
        "rate_limited", status=429, headers={"Retry-After": "soon"}
    )
    webhook.expect_ordered_request(WEBHOOK_PATH).respond_with_data("ok")

    AlertChannel(webhook_url(webhook), max_wait_seconds=5).send("hello")

    # 120 s is capped at 5 s. A Retry-After that is not a number gets the 1 s default.
    assert sleeps == [5.0, 1.0]


def test_send_gives_up_after_three_429(webhook: HTTPServer, sleeps: list[float]) -> None:
    webhook.expect_request(WEBHOOK_PATH).respond_with_data(
        "rate_limited", status=429, headers={"Retry-After": "0"}
    )

    with pytest.raises(AlertDeliveryError) as caught:
        AlertChannel(webhook_url(webhook)).send("hello")

    assert len(webhook.log) == 3
    assert len(sleeps) == 2
    assert "HTTP 429" in str(caught.value)
    assert "after 3 attempt(s)" in str(caught.value)


def test_404_no_service_names_fix(webhook: HTTPServer) -> None:
    webhook.expect_request(WEBHOOK_PATH).respond_with_data("no_service", status=404)

    with pytest.raises(AlertDeliveryError) as caught:
        AlertChannel(webhook_url(webhook)).send("hello")

    message = str(caught.value)
    assert "HTTP 404" in message
    assert "'no_service'" in message
    assert "revoked" in message
    assert "Create a new incoming webhook" in message
    assert "SALESAUDIT_ALERT_WEBHOOK_URL" in message
    assert f"http://127.0.0.1:{webhook.port}" in message
    assert SECRET not in message
    assert len(webhook.log) == 1


@pytest.mark.parametrize(
    ("status", "body", "fix"),
    [
        (400, "invalid_payload", "salesaudit bug"),
        (403, "action_prohibited", "workspace admin"),
        (410, "channel_is_archived", "Unarchive it"),
        (404, "channel_not_found", "channel was deleted"),
        (403, "something_new", "permissions"),
        (500, "rollup_error", "webhook service failed"),
        (418, "", "(empty body)"),
    ],
)
def test_error_reply_names_status_and_fix(
    webhook: HTTPServer, status: int, body: str, fix: str
) -> None:
    webhook.expect_request(WEBHOOK_PATH).respond_with_data(body, status=status)

    with pytest.raises(AlertDeliveryError) as caught:
        AlertChannel(webhook_url(webhook)).send("hello")

    message = str(caught.value)
    assert f"HTTP {status}" in message
    assert body in message
    assert fix in message
    assert len(webhook.log) == 1


def test_unreachable_webhook_raises() -> None:
    # Bind and close a socket to get a local port that nothing listens on.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with pytest.raises(AlertDeliveryError) as caught:
        AlertChannel(f"http://127.0.0.1:{port}{WEBHOOK_PATH}", timeout_seconds=2).send("x")

    assert "Could not reach alert webhook" in str(caught.value)
    assert SECRET not in str(caught.value)


def test_slow_webhook_times_out(webhook: HTTPServer) -> None:
    def slow_reply(request: object) -> str:
        import time

        time.sleep(1.0)
        return "ok"

    webhook.expect_request(WEBHOOK_PATH).respond_with_handler(slow_reply)

    with pytest.raises(AlertDeliveryError) as caught:
        AlertChannel(webhook_url(webhook), timeout_seconds=0.1).send("x")

    assert "timed out after 0.1 s" in str(caught.value)


def test_url_kept_out_of_logs_and_repr(
    webhook: HTTPServer, caplog: pytest.LogCaptureFixture, sleeps: list[float]
) -> None:
    webhook.expect_ordered_request(WEBHOOK_PATH).respond_with_data(
        "rate_limited", status=429, headers={"Retry-After": "0"}
    )
    webhook.expect_ordered_request(WEBHOOK_PATH).respond_with_data("ok")
    channel = AlertChannel(webhook_url(webhook))

    with caplog.at_level(logging.INFO, logger="orchestration.alerting"):
        channel.send("hello")

    # Only the channel's own records: the test server's access log shows the path by design.
    channel_log = "\n".join(
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("orchestration.alerting")
    )
    assert "rate-limited" in channel_log
    assert "Sent alert" in channel_log
    assert SECRET not in channel_log
    assert SECRET not in repr(channel)
    assert channel.display_url == f"http://127.0.0.1:{webhook.port}"


def test_from_env_unset_or_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    assert AlertChannel.from_env() is None

    monkeypatch.setenv("SALESAUDIT_ALERT_WEBHOOK_URL", "  ")
    assert AlertChannel.from_env() is None


def test_from_env_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "SALESAUDIT_ALERT_WEBHOOK_URL", f"https://hooks.slack.com/services/T/B/{SECRET}"
    )

    channel = AlertChannel.from_env()

    assert channel is not None
    assert channel.display_url == "https://hooks.slack.com"
    assert channel.timeout_seconds == 10.0
    assert channel.max_wait_seconds == 30.0


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (f"hooks.slack.com/services/T/B/{SECRET}", "scheme must be http or https, got none"),
        (f"ftp://hooks.slack.com/{SECRET}", "got 'ftp'"),
        (f"https:///services/{SECRET}", "no host"),
        (f"https://hooks.slack.com:port/{SECRET}", "cannot be parsed"),
    ],
)
def test_from_env_invalid_url(monkeypatch: pytest.MonkeyPatch, value: str, problem: str) -> None:
    monkeypatch.setenv("SALESAUDIT_ALERT_WEBHOOK_URL", value)

    with pytest.raises(ValueError) as caught:
        AlertChannel.from_env()

    message = str(caught.value)
    assert "SALESAUDIT_ALERT_WEBHOOK_URL" in message
    assert problem in message
    assert "https://hooks.slack.com/services/" in message
    assert SECRET not in message


def test_channel_rejects_bad_limits() -> None:
    with pytest.raises(ValueError, match="timeout_seconds"):
        AlertChannel("https://hooks.slack.com/x", timeout_seconds=0)
    with pytest.raises(ValueError, match="max_wait_seconds"):
        AlertChannel("https://hooks.slack.com/x", max_wait_seconds=-1)


# --- messages ------------------------------------------------------------------------------


def test_english_message_parts() -> None:
    text = run_failure_message(
        job_name="monthly_audit",
        run_id="run-123",
        partition="2025-04",
        error="RuntimeError: warehouse locked",
        locale="en",
        ui_url="http://127.0.0.1:3000/",
    )

    assert text.splitlines()[0] == "*Audit run failed: monthly_audit*"
    assert "Partition: 2025-04" in text
    assert "Run ID: run-123" in text
    assert "> RuntimeError: warehouse locked" in text
    assert "Run details: http://127.0.0.1:3000/runs/run-123" in text


def test_korean_message_parts() -> None:
    text = run_failure_message(
        job_name="monthly_audit",
        run_id="run-123",
        partition="2025-Q2",
        error="RuntimeError: warehouse locked",
        locale="ko",
        ui_url="http://127.0.0.1:3000",
    )

    assert text.splitlines()[0] == "*감사 실행 실패: monthly_audit*"
    assert "대상 기간: 2025-Q2" in text
    assert "실행 ID: run-123" in text
    assert "오류 내용:" in text
    assert "> RuntimeError: warehouse locked" in text
    assert "실행 상세 보기: http://127.0.0.1:3000/runs/run-123" in text


def test_message_without_partition_or_link() -> None:
    text = run_failure_message("monthly_audit", "run-1", None, "boom", "en", None)

    assert "Partition" not in text
    assert "Run details" not in text
    assert "/runs/" not in text


def test_message_shortens_long_error() -> None:
    error = "\n".join(["first line", "", "second line", "third line", "fourth line"])
    long_error = "x" * 2000

    text = run_failure_message("job", "run-1", None, error, "en", None)
    long_text = run_failure_message("job", "run-1", None, long_error, "en", None)

    assert "> third line …" in text
    assert "fourth line" not in text
    assert "x" * 500 in long_text
    assert "x" * 501 not in long_text
    assert long_text.endswith(" …")


def test_message_escapes_slack_control_characters() -> None:
    text = run_failure_message("job", "run-1", None, "<class 'X'> & more", "en", None)

    assert "> &lt;class 'X'&gt; &amp; more" in text


def test_message_empty_error_placeholder() -> None:
    assert "(Dagster reported no error message)" in run_failure_message(
        "job", "run-1", None, "  ", "en", None
    )
    assert "오류 메시지를 남기지 않았습니다" in run_failure_message(
        "job", "run-1", None, "", "ko", None
    )


def test_message_rejects_unknown_locale() -> None:
    with pytest.raises(ValueError, match="use one of en, ko"):
        run_failure_message("job", "run-1", None, "boom", "ja", None)


def test_alert_locale_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    assert alert_locale() == "en"

    monkeypatch.setenv("SALESAUDIT_LOCALE", " KO ")
    assert alert_locale() == "ko"

    monkeypatch.setenv("SALESAUDIT_LOCALE", "ja")
    with pytest.raises(ValueError) as caught:
        alert_locale()
    assert "SALESAUDIT_LOCALE" in str(caught.value)
    assert "en, ko" in str(caught.value)


def test_alert_ui_url_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    assert alert_ui_url() is None

    monkeypatch.setenv("SALESAUDIT_UI_URL", "http://127.0.0.1:3000/")
    assert alert_ui_url() == "http://127.0.0.1:3000"

    monkeypatch.setenv("SALESAUDIT_UI_URL", "127.0.0.1:3000")
    with pytest.raises(ValueError, match="SALESAUDIT_UI_URL"):
        alert_ui_url()


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"dagster/partition": "2025-04"}, "2025-04"),
        (
            {
                "dagster/asset_partition_range_start": "2025-01",
                "dagster/asset_partition_range_end": "2025-03",
            },
            "2025-01...2025-03",
        ),
        (
            {
                "dagster/asset_partition_range_start": "2025-02",
                "dagster/asset_partition_range_end": "2025-02",
            },
            "2025-02",
        ),
        ({"dagster/failure_reason": "STEP_FAILURE"}, None),
    ],
)
def test_run_partition_from_tags(tags: dict[str, str], expected: str | None) -> None:
    assert run_partition(tags) == expected


# --- sensor --------------------------------------------------------------------------------


@dg.op
def load_month() -> None:
    raise RuntimeError("warehouse locked by another run")


@dg.job(partitions_def=dg.StaticPartitionsDefinition(["2025-04"]))
def failing_audit() -> None:
    load_month()


def evaluate_sensor_on_failed_run() -> None:
    """Run `failing_audit` for 2025-04 and evaluate the sensor on its failure event."""
    instance = dg.DagsterInstance.ephemeral()
    result = failing_audit.execute_in_process(
        instance=instance, partition_key="2025-04", raise_on_error=False
    )
    assert not result.success

    context = dg.build_run_status_sensor_context(
        sensor_name=SENSOR_NAME,
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        dagster_event=result.get_run_failure_event(),
    ).for_run_failure()
    sensor = build_run_failure_alert_sensor(monitored_jobs=[failing_audit])
    sensor(context)


def test_sensor_definition_settings() -> None:
    sensor = build_run_failure_alert_sensor(monitored_jobs=[failing_audit])

    assert sensor.name == "audit_run_failure_alert"
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert sensor.minimum_interval_seconds == 30


def test_sensor_posts_failed_run(webhook: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    webhook.expect_request(WEBHOOK_PATH, method="POST").respond_with_data("ok")
    monkeypatch.setenv("SALESAUDIT_ALERT_WEBHOOK_URL", webhook_url(webhook))
    monkeypatch.setenv("SALESAUDIT_UI_URL", "http://127.0.0.1:3000")

    evaluate_sensor_on_failed_run()

    assert len(webhook.log) == 1
    text = webhook.log[0][0].get_json()["text"]
    run_id = text.split("Run ID: ")[1].splitlines()[0]
    assert "Audit run failed: failing_audit" in text
    assert "Partition: 2025-04" in text
    assert 'Execution of run for "failing_audit" failed' in text
    assert "load_month: RuntimeError: warehouse locked by another run" in text
    assert f"Run details: http://127.0.0.1:3000/runs/{run_id}" in text


def test_sensor_posts_korean(webhook: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    webhook.expect_request(WEBHOOK_PATH, method="POST").respond_with_data("ok")
    monkeypatch.setenv("SALESAUDIT_ALERT_WEBHOOK_URL", webhook_url(webhook))
    monkeypatch.setenv("SALESAUDIT_LOCALE", "ko")

    evaluate_sensor_on_failed_run()

    text = webhook.log[0][0].get_json()["text"]
    assert "감사 실행 실패: failing_audit" in text
    assert "대상 기간: 2025-04" in text
    assert "RuntimeError: warehouse locked by another run" in text
    assert "/runs/" not in text


def test_sensor_raises_on_rejected_alert(
    webhook: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    webhook.expect_request(WEBHOOK_PATH).respond_with_data("channel_is_archived", status=410)
    monkeypatch.setenv("SALESAUDIT_ALERT_WEBHOOK_URL", webhook_url(webhook))

    with pytest.raises(AlertDeliveryError, match="HTTP 410"):
        evaluate_sensor_on_failed_run()

    assert len(webhook.log) == 1


def test_sensor_without_webhook_posts_nothing(
    webhook: HTTPServer, capfd: pytest.CaptureFixture[str]
) -> None:
    webhook.expect_request(WEBHOOK_PATH).respond_with_data("ok")

    evaluate_sensor_on_failed_run()

    # The sensor's logger writes to stderr when the sensor runs outside the daemon.
    stderr = capfd.readouterr().err
    assert webhook.log == []
    assert "Run failure alerts are off" in stderr
    assert "set SALESAUDIT_ALERT_WEBHOOK_URL" in stderr


@dg.asset(check_specs=[dg.AssetCheckSpec("quality_gate", asset="landed", blocking=True)])
def landed():
    yield dg.Output(None)
    yield dg.AssetCheckResult(
        check_name="quality_gate",
        passed=False,
        severity=dg.AssetCheckSeverity.ERROR,
        description="activities.csv is missing required column 'rep_id'",
    )


@dg.asset(deps=[landed])
def downstream() -> None:
    pass


gated_audit = dg.define_asset_job("gated_audit", selection=[landed, downstream])


def test_sensor_names_the_failed_blocking_check(
    webhook: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    webhook.expect_request(WEBHOOK_PATH, method="POST").respond_with_data("ok")
    monkeypatch.setenv("SALESAUDIT_ALERT_WEBHOOK_URL", webhook_url(webhook))
    instance = dg.DagsterInstance.ephemeral()
    job = dg.Definitions(assets=[landed, downstream], jobs=[gated_audit]).resolve_job_def(
        "gated_audit"
    )
    result = job.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success

    context = dg.build_run_status_sensor_context(
        sensor_name=SENSOR_NAME,
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        dagster_event=result.get_run_failure_event(),
    ).for_run_failure()
    build_run_failure_alert_sensor(monitored_jobs=[job])(context)

    text = webhook.log[0][0].get_json()["text"]
    assert "landed quality_gate: activities.csv is missing required column 'rep_id'" in text
