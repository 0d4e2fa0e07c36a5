"""Builds the Telegram front-end from settings and the assembled app (used by `serve`)."""

from __future__ import annotations

from concierge.bootstrap import App
from concierge.config import Settings
from concierge.frontends.telegram.app import TelegramFrontend
from concierge.frontends.telegram.queued import UpdateQueue
from concierge.frontends.telegram.ratelimit import RateLimits


def build_telegram(settings: Settings, app: App) -> TelegramFrontend:
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    shared = None
    if settings.redis_url is not None:
        from concierge.frontends.telegram.shared_pacing import connect

        token = settings.telegram_bot_token.get_secret_value()
        shared = connect(settings.redis_url.get_secret_value(), token)
    frontend = TelegramFrontend(
        token=settings.telegram_bot_token,
        dispatcher=app.dispatcher,
        notifier=app.notifier,
        registry=app.registry,
        catalog=app.catalog,
        users=app.users,
        api_base_url=settings.telegram_api_base_url,
        upload_limit_mb=settings.telegram_upload_limit_mb,
        download_limit_mb=settings.telegram_download_limit_mb,
        webhook_url=settings.telegram_webhook_url,
        webhook_secret=settings.telegram_webhook_secret,
        local_mode=settings.telegram_local_mode,
        shared_pacing=shared,
        limits=None if settings.telegram_send_pacing else RateLimits.unlimited(),
    )
    if settings.telegram_queue_updates and settings.telegram_webhook_url:
        # every process registers the kind (workers run it); the webhook queues into it
        frontend.webhook.queue = UpdateQueue(app.jobs, frontend)
    return frontend
