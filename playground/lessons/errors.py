"""The lessons' two errors: a lesson file (or a call) that is wrong, and an answer key a run leaves undefined."""

from __future__ import annotations


class LessonError(ValueError):
    """A lesson file refused at load, or a call that cannot be served; the message is one line naming the file
    and the field, e.g. ``lessons/xor.json: steps[1].question.options[2].zh: missing``."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


class Undefined(LessonError):
    """A computed key or number that this run does not define (two racers diverged where the key needs exactly
    one, a layer the network lacks, a tie): the lesson claims something its run does not show."""
