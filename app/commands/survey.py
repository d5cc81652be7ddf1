"""The customer answers the service's questionnaire: once per application, every question scored."""
from __future__ import annotations

from sqlalchemy import exists, select

from app.security.access import ensure_visible
from app.core.errors import ConflictError, ForbiddenError, N_, ValidationError, translate
from app.extensions import db
from app.commands.rules.state import rules_state
from app.commands.base import Command
from models import Application, SurveyResponse, User
from models.base import utcnow


def survey_open(application: Application, data: dict) -> bool:
    """The survey can be answered when the application is done, or when the next step waits for it."""
    service = data["services"][application.service_type.key]
    if not service.get("survey"):
        return False
    if application.state_kind == "final_success":
        return True
    workflow = data["workflows"][service["workflow"]]
    return any(application.state in t["from"] and "survey_done" in [
        g if isinstance(g, str) else next(iter(g)) for g in t.get("guards", [])]
        for t in workflow["transitions"])


class SubmitSurveyCommand(Command):
    def __init__(self, application_id: int, actor: User, answers: dict, *, free_text: dict | None = None,
                 respondent: dict | None = None):
        self.application_id = application_id
        self.actor = actor
        self.answers = dict(answers or {})
        self.free_text = dict(free_text or {})
        self.respondent = dict(respondent or {})

    def _run(self) -> SurveyResponse:
        application = ensure_visible(db.session.get(Application, self.application_id), self.actor)
        if application.customer_id != self.actor.id:
            raise ForbiddenError(N_("Survei hanya dapat diisi oleh pemohon."))
        data = rules_state().rules_for(application.rules_version_id).data
        if not survey_open(application, data):
            raise ConflictError(N_("Survei belum dapat diisi untuk permohonan ini."))
        if db.session.scalar(select(exists().where(SurveyResponse.application_id == application.id))):
            raise ConflictError(N_("Survei untuk permohonan ini sudah diisi."))
        survey_key = data["services"][application.service_type.key]["survey"]
        survey = data["surveys"][survey_key]
        errors, scores = {}, {}
        for question in survey["questions"]:
            allowed = {int(o["score"]) for o in question["options"]}
            try:
                score = int(self.answers.get(question["key"]))
            except (TypeError, ValueError):
                score = None
            if score not in allowed:
                errors[question["key"]] = translate(N_("Pilih salah satu jawaban."))
            else:
                scores[question["key"]] = score
        texts = {}
        for item in survey.get("free_text", []):
            value = str(self.free_text.get(item["key"]) or "").strip()[:4000]
            if item.get("required") and not value:
                errors[item["key"]] = translate(N_("Wajib diisi."))
            texts[item["key"]] = value
        if errors:
            raise ValidationError(details={"field_errors": errors})
        response = SurveyResponse(application_id=application.id, service_type_id=application.service_type_id,
                                  survey_key=survey_key, respondent_id=self.actor.id, answers=scores,
                                  free_text=texts, respondent=self.respondent, created_at=utcnow())
        db.session.add(response)
        db.session.flush()
        return response
