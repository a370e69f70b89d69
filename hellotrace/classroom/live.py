"""What travels on the fan-out for a class: short JSON signals. The state itself is in the database; a
signal only says what changed (and, for the presenter's position, carries it, so followers move at once)."""

from __future__ import annotations

import json

from hellotrace.classroom.fanout import FanOut
from hellotrace.storage.models import Classroom


def class_channel(class_id: int) -> str:
    """Everyone in the class listens here: position, follow, pushed page or question, end of class."""
    return f"hellotrace:class:{class_id}"


def teacher_channel(class_id: int) -> str:
    """The teacher's view listens here: someone joined, ran a step, answered, detached or rejoined."""
    return f"hellotrace:class:{class_id}:teacher"


def position(classroom: Classroom) -> dict[str, object]:
    return {"kind": "position", "step": classroom.step, "exchange": classroom.exchange,
            "follow": classroom.follow}


def announce(fanout: FanOut, classroom: Classroom, kind: str) -> None:
    """Tell the class that `kind` changed: "position" (and follow), "pushed" or "ended"."""
    message = position(classroom) if kind == "position" else {"kind": kind}
    fanout.publish(class_channel(classroom.id), json.dumps(message))


def roster_changed(fanout: FanOut, class_id: int) -> None:
    fanout.publish(teacher_channel(class_id), json.dumps({"kind": "roster"}))



def decode(message: str) -> dict[str, object]:
    value = json.loads(message)
    return value if isinstance(value, dict) else {}
