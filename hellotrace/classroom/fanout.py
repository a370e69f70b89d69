"""The live fan-out: a message published on a channel reaches every subscriber of that channel.

In-process by default (one site process serves the class); Redis pub/sub when REDIS_URL is set, so that
several site processes can serve one class. Both behave alike: messages are short strings, a subscriber
sees those published after `subscribe` returned, in order, and a slow subscriber never blocks a publisher."""

from __future__ import annotations

import queue
import threading
from typing import Protocol

import redis

# A subscriber that stopped reading (a browser gone quiet) drops messages beyond this rather than grow.
MAX_PENDING = 1000


class Subscription(Protocol):
    def get(self, timeout: float) -> str | None:
        """The next message, or None after `timeout` seconds without one."""

    def close(self) -> None: ...


class FanOut(Protocol):
    def publish(self, channel: str, message: str) -> None: ...

    def subscribe(self, channel: str) -> Subscription: ...

    def close(self) -> None: ...


class _LocalSubscription:
    def __init__(self, fanout: LocalFanOut, channel: str) -> None:
        self._fanout = fanout
        self.channel = channel
        self.queue: queue.Queue[str] = queue.Queue(MAX_PENDING)

    def get(self, timeout: float) -> str | None:
        try:
            return self.queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        self._fanout._remove(self)


class LocalFanOut:
    """Subscribers of this process, by channel."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._channels: dict[str, set[_LocalSubscription]] = {}

    def publish(self, channel: str, message: str) -> None:
        with self._lock:
            subscribers = list(self._channels.get(channel, ()))
        for subscription in subscribers:
            try:
                subscription.queue.put_nowait(message)
            except queue.Full:
                pass

    def subscribe(self, channel: str) -> _LocalSubscription:
        subscription = _LocalSubscription(self, channel)
        with self._lock:
            self._channels.setdefault(channel, set()).add(subscription)
        return subscription

    def _remove(self, subscription: _LocalSubscription) -> None:
        with self._lock:
            subscribers = self._channels.get(subscription.channel)
            if subscribers is not None:
                subscribers.discard(subscription)
                if not subscribers:
                    del self._channels[subscription.channel]

    def close(self) -> None:
        with self._lock:
            self._channels.clear()


class _RedisSubscription:
    def __init__(self, client: redis.Redis, channel: str) -> None:
        self._pubsub = client.pubsub()
        self._pubsub.subscribe(channel)
        # Wait for Redis to confirm: from then on, every message published on the channel reaches us.
        confirmation = self._pubsub.get_message(timeout=5.0)
        if confirmation is None or confirmation["type"] != "subscribe":
            self._pubsub.close()
            raise ConnectionError(f"Redis did not confirm the subscription to {channel}")

    def get(self, timeout: float) -> str | None:
        message = self._pubsub.get_message(ignore_subscribe_messages=True, timeout=timeout)
        if message is None:
            return None
        data = message["data"]
        return data.decode() if isinstance(data, bytes) else str(data)

    def close(self) -> None:
        self._pubsub.close()


class RedisFanOut:
    """Redis pub/sub: every site process that subscribes to a channel gets what any of them publishes."""

    def __init__(self, url: str) -> None:
        self._client = redis.Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)

    def publish(self, channel: str, message: str) -> None:
        self._client.publish(channel, message)

    def subscribe(self, channel: str) -> _RedisSubscription:
        return _RedisSubscription(self._client, channel)

    def close(self) -> None:
        self._client.close()


def make_fanout(redis_url: str | None) -> FanOut:
    return RedisFanOut(redis_url) if redis_url else LocalFanOut()
