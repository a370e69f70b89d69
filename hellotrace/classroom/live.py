"""What travels on the fan-out for a class: short JSON signals. The state itself is in the database; a
signal only says what changed (and, for the presenter's position, carries it, so followers move at once)."""

from __future__ import annotations

import json

from hellotrace.classroom.fanout import FanOut
from hellotrace.storage.models import Classroom


def class_channel(class_id: int) -> str:
    """Everyone in the class listens here: position, follow, pushed page or question, end of class, and a student's
    own choice to follow or explore (their page knows which student it is)."""
    return f"hellotrace:class:{class_id}"


def teacher_channel(class_id: int) -> str:
    """The teacher's view listens here: someone joined, ran a step, answered, detached or rejoined."""
    return f"hellotrace:class:{class_id}:teacher"


def position(classroom: Classroom) -> dict[str, object]:
    return {"kind": "position", "sequence": classroom.sequence, "step": classroom.step,
            "exchange": classroom.exchange, "follow": classroom.follow}


def pushed(classroom: Classroom) -> dict[str, object]:
    """What the teacher pushed last, by when: a page that shows it already neither fetches nor scrolls to it again."""
    return {"kind": "pushed", "at": pushed_mark(classroom)}


def pushed_mark(classroom: Classroom) -> str:
    # Without its time zone: the database may give back a naive time for the aware one that was written.
    return f"{classroom.pushed_at:%Y%m%d%H%M%S%f}" if classroom.pushed_at is not None else ""


def announce(fanout: FanOut, classroom: Classroom, kind: str, by: str = "") -> None:
    """Tell the class that `kind` changed: "position" (the sequence, the place and follow), "pushed" or "ended".
    The teacher's other presenter tabs (a laptop and the projector) are told of the position and of the end too;
    `by` names the tab that moved, which has shown it already."""
    message = position(classroom) if kind == "position" else pushed(classroom) if kind == "pushed" else {"kind": kind}
    fanout.publish(class_channel(classroom.id), json.dumps(message))
    if kind in ("position", "ended"):
        fanout.publish(teacher_channel(classroom.id), json.dumps({**message, "by": by}))


def following_changed(fanout: FanOut, class_id: int, student_id: int, following: bool) -> None:
    """A student chose to follow or to explore: their other tabs (a laptop and a phone) show it too."""
    fanout.publish(class_channel(class_id),
                   json.dumps({"kind": "following", "student": student_id, "following": following}))


def roster_changed(fanout: FanOut, class_id: int) -> None:
    fanout.publish(teacher_channel(class_id), json.dumps({"kind": "roster"}))



def decode(message: str) -> dict[str, object]:
    value = json.loads(message)
    return value if isinstance(value, dict) else {}
