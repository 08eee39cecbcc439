"""What the permission preview (R-8) can explain beyond rights and scope, filled in by the apps
that own the objects, from their ``AppConfig.ready``: "why can this person see this …?".

This app never imports those apps; each registers a question form and the function answering it.
"""

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class VisibilityQuestion:
    # A form class taking ``tenant=`` whose ``cleaned_data["objects"]`` lists the objects asked about.
    form_class: type
    # ``explain(staff, obj) -> (visible: bool, reasons: list[str])``.
    explain: Callable


QUESTIONS = []


def register(*, form_class, explain):
    """Offer one more "why can they see it?" question on the permission preview."""
    QUESTIONS.append(VisibilityQuestion(form_class=form_class, explain=explain))


def answer(request, staff):
    """Return ``(form or None, [{"object", "visible", "reasons"}])`` for the preview of ``staff``."""
    if not QUESTIONS:
        return None, []
    question = QUESTIONS[0]
    form = question.form_class(request.GET or None, tenant=request.user.tenant)
    answers = []
    if form.is_valid():
        for obj in form.cleaned_data["objects"]:
            visible, reasons = question.explain(staff, obj)
            answers.append({"object": obj, "visible": visible, "reasons": reasons})
    return form, answers
