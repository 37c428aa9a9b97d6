"""All business logic, as feature packages: records, ratings, cases, tipoffs, rewards, partners,
grids, places, supervision, releases, demo.

``init_app`` wires the packages' commands and change-log consumers into the app.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Every feature package's CLI commands and change-log consumers."""
    from core.consumers import register_consumer
    from credit.cases import cli as cases_cli  # noqa: F401 - adds inspection-plan to `credit`
    from credit.demo.cli import demo_cli
    from credit.enterprise_accounts.cli import enterprises_cli
    from credit.grids.cli import grids_cli
    from credit.monitoring.cli import monitoring_cli
    from credit.monitoring.exceedances import ExceedanceConsumer
    from credit.notify.digest import WeeklyDigest
    from credit.notify.fanout import SubscriptionFanout
    from credit.notify.outbox import MailSender
    from credit.notify.regulator_digest import RegulatorDigest
    from credit.notify.reporter import ReporterMail
    from credit.partners.delivery import WebhookFanout, WebhookSender
    from credit.places.cli import places_cli
    from credit.ratings.cli import credit_cli
    from credit.ratings.expiry import ExpiryConsumer
    from credit.ratings.rescoring import RescoringConsumer
    from credit.records.cli import records_cli
    from credit.releases.cli import releases_cli
    from credit.rewards.rules import reward_rules
    from credit.supervision.classes import case_classes
    from credit.supervision.cli import cases_cli as supervision_cli
    from credit.supervision.escalation import EscalationConsumer

    case_classes()  # a bad case-class file stops the app here, not at the first case
    reward_rules()  # so does a bad reward-rules file
    for group in (
        credit_cli,
        demo_cli,
        enterprises_cli,
        grids_cli,
        monitoring_cli,
        places_cli,
        records_cli,
        releases_cli,
        supervision_cli,
    ):
        app.cli.add_command(group)
    register_consumer(app, ExpiryConsumer())
    register_consumer(app, RescoringConsumer(str(app.config["CREDIT_RULEBOOK"])))
    register_consumer(app, WebhookFanout())
    register_consumer(app, WebhookSender())
    register_consumer(app, EscalationConsumer())
    register_consumer(app, ExceedanceConsumer())
    register_consumer(app, SubscriptionFanout())
    register_consumer(app, WeeklyDigest())
    register_consumer(app, ReporterMail())
    register_consumer(app, RegulatorDigest())
    register_consumer(app, MailSender())
    _register_gauges(app)


def _register_gauges(app: Flask) -> None:
    """The feature packages' gauges in /metrics: cases, webhook and mail queues."""
    from core.metrics import register_gauge
    from credit.notify.outbox import queue_depth as mail_queue_depth
    from credit.partners.delivery import queue_depth as webhook_queue_depth
    from credit.supervision.queue import open_case_counts, overdue_case_count

    register_gauge(
        app,
        "envcredit_cases_open",
        "Open supervision cases by class",
        open_case_counts,
        ["case_class"],
    )
    register_gauge(
        app,
        "envcredit_cases_overdue",
        "Open supervision cases past their stage's deadline",
        overdue_case_count,
    )
    register_gauge(
        app,
        "envcredit_webhook_queue_depth",
        "Webhook deliveries waiting to be delivered (due or retrying)",
        webhook_queue_depth,
    )
    register_gauge(
        app,
        "envcredit_mail_queue_depth",
        "Mails in the outbox waiting to be sent (due or retrying)",
        mail_queue_depth,
    )
