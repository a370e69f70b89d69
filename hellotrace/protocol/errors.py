"""Docker's error classes and texts, shared by the mock engine (which says them) and the client (which explains them).

The daemon maps an error's class to a status code (daemon/server/httpstatus) and sends `{"message": …}`.
Texts here are quoted from moby's sources as recorded in engine-api-notes §3.
"""

from __future__ import annotations


class EngineError(Exception):
    """An error the engine answers with: an HTTP status and Docker's message text."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def not_found(message: str) -> EngineError:
    return EngineError(404, message)


def invalid_parameter(message: str) -> EngineError:
    return EngineError(400, message)


def conflict(message: str) -> EngineError:
    return EngineError(409, message)


def not_modified(message: str) -> EngineError:
    return EngineError(304, message)


def unavailable(message: str) -> EngineError:
    return EngineError(503, message)


def no_such_container(given: str) -> EngineError:
    return not_found(f"No such container: {given}")


def no_such_image(familiar: str) -> EngineError:
    return not_found(f"No such image: {familiar}")


def version_too_old(requested: str, minimum: str) -> EngineError:
    return invalid_parameter(
        f"client version {requested} is too old. Minimum supported API version is {minimum}, "
        "please upgrade your client to a newer version"
    )


def version_too_new(requested: str, maximum: str) -> EngineError:
    return invalid_parameter(f"client version {requested} is too new. Maximum supported API version is {maximum}")


PAGE_NOT_FOUND = "page not found"
