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
    def __init__(self, fanout: RedisFanOut, local: _LocalSubscription) -> None:
        self._fanout = fanout
        self._local = local

    def get(self, timeout: float) -> str | None:
        return self._local.get(timeout)

    def close(self) -> None:
        self._local.close()
        self._fanout._release(self._local.channel)


class RedisFanOut:
    """Redis pub/sub: every site process that subscribes to a channel gets what any of them publishes.

    A process holds one pub/sub connection whatever its number of subscribers (a class of 200 is 200 live
    streams): a reader thread hands each message to this process's subscribers of that channel."""

    def __init__(self, url: str) -> None:
        self._client = redis.Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)
        # Its own connection, that waits a second at most: a health check must answer fast, even of a hung Redis.
        self._health_client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        self._pubsub = self._client.pubsub()
        self._local = LocalFanOut()
        self._lock = threading.Lock()
        self._listeners: dict[str, int] = {}
        self._confirmed: dict[str, threading.Event] = {}
        self._stopping = threading.Event()
        self._reader = threading.Thread(target=self._read, name="hellotrace-redis-fanout", daemon=True)
        self._reader.start()

    def publish(self, channel: str, message: str) -> None:
        self._client.publish(channel, message)

    def reachable(self) -> bool:
        """Whether Redis answers a PING within a second (`/healthz`): classes need it on every node."""
        try:
            return bool(self._health_client.ping())
        except redis.RedisError:
            return False

    def subscribe(self, channel: str) -> _RedisSubscription:
        # The local queue exists before Redis is asked: nothing relayed once Redis confirms can be lost.
        local = self._local.subscribe(channel)
        with self._lock:
            count = self._listeners.get(channel, 0)
            self._listeners[channel] = count + 1
            if count == 0:
                self._confirmed[channel] = threading.Event()
                self._pubsub.subscribe(channel)
            confirmed = self._confirmed[channel]
        subscription = _RedisSubscription(self, local)
        # From Redis's confirmation on, every message published on the channel reaches this process.
        if not confirmed.wait(5.0):
            subscription.close()
            raise ConnectionError(f"Redis did not confirm the subscription to {channel}")
        return subscription

    def _release(self, channel: str) -> None:
        with self._lock:
            count = self._listeners.get(channel, 0) - 1
            if count > 0:
                self._listeners[channel] = count
                return
            self._listeners.pop(channel, None)
            self._confirmed.pop(channel, None)
            if not self._stopping.is_set():
                self._pubsub.unsubscribe(channel)

    def _read(self) -> None:
        while not self._stopping.is_set():
            try:
                message = self._pubsub.get_message(timeout=1.0)
            except (redis.ConnectionError, redis.TimeoutError):
                # redis-py reconnects and subscribes again on the next call; give Redis a moment to come back.
                self._stopping.wait(0.5)
                continue
            if message is None:
                continue
            channel = _text(message["channel"])
            if message["type"] == "subscribe":
                with self._lock:
                    confirmed = self._confirmed.get(channel)
                if confirmed is not None:
                    confirmed.set()
            elif message["type"] == "message":
                self._local.publish(channel, _text(message["data"]))

    def close(self) -> None:
        self._stopping.set()
        self._reader.join(5)
        self._pubsub.close()
        self._client.close()
        self._health_client.close()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def make_fanout(redis_url: str | None) -> FanOut:
    return RedisFanOut(redis_url) if redis_url else LocalFanOut()
