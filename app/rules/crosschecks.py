"""References between sections: every state, role, template, document, numbering, field and
channel named in the rules must exist, and every workflow must be a sound state machine.

Runs after the schema check, on the merged data, and tolerates malformed parts (already reported)
by skipping them, so a single run reports every problem.
"""
from __future__ import annotations

import os
from collections import deque
from pathlib import Path
from typing import Any, Iterable, Sequence

from app.rules.messages import Message, N_
from app.rules.problems import Place, ProblemSink
from app.rules.tariff import TARIFF_FIELD_TYPES, TariffError, parse_tariff, tariff_names
from app.rules.vocabulary import (
    BILLING_CODE_LENGTH,
    BUILTIN_ROLES,
    EFFECT_NAMES,
    FIELD_REFERENCE_TYPES,
    FINAL_STATE_KINDS,
    GUARD_NAMES,
    NUMBER_TYPES,
    NUMBERING_TOKEN_RE,
    effect_name_and_args,
    guard_name_and_args,
)
from app.rules.wording import described, did_you_mean, named, of
from app.rules.yaml_source import item_place, key_place

AGENCY, DOCUMENT, NUMBERING, REQUEST_KIND = N_("instansi"), N_("dokumen"), N_("penomoran"), N_("jenis permohonan")
SERVICE, SURVEY, WORKFLOW, FIELD, STATE = N_("jenis layanan"), N_("survei"), N_("alur kerja"), N_("isian"), N_("status")
RESOURCE = N_("sumber daya")


def _mapping(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _names(value: Any, place: Place) -> list[tuple[str, Place]]:
    """A name or a list of names, each with its place (non-text items are skipped)."""
    if isinstance(value, str):
        return [(value, place)]
    return [(name, item_place(value, index, place)) for index, name in enumerate(_list(value)) if isinstance(name, str)]


def _fields_by_key(fields: Any) -> dict[str, dict]:
    return {
        spec["key"]: spec
        for spec in _list(fields)
        if isinstance(spec, dict) and isinstance(spec.get("key"), str)
    }


def _entries(items: Any, splitter) -> Iterable[tuple[str, Any, Any, int]]:
    """``(name, args, entry, index)`` for each well-formed guard/effect entry."""
    for index, entry in enumerate(_list(items)):
        name, args = splitter(entry)
        if name is not None:
            yield name, args, entry, index


class RulesCrossChecker:
    """Checks references across the merged sections and reports to ``sink``."""

    def __init__(self, sections: dict, *, base_dir: Path, known_channels: Sequence[str], sink: ProblemSink, root: Place):
        self.sections = sections
        self.base_dir = base_dir
        self.known_channels = tuple(known_channels)
        self.sink = sink
        self.root = root
        self.roles = _mapping(sections.get("roles"))
        self.notifications = _mapping(sections.get("notifications"))
        self.documents = _mapping(sections.get("documents"))
        self.numbering = _mapping(sections.get("numbering"))
        self.surveys = _mapping(sections.get("surveys"))
        self.agencies = _mapping(sections.get("agencies"))
        self.workflows = _mapping(sections.get("workflows"))
        self.services = _mapping(sections.get("services"))
        self.request_kinds = _mapping(sections.get("request_kinds"))
        self.signed_documents: set[str] = set()
        self._init_role_scopes()

    def add(self, place: Place, message: Message | str) -> None:
        self.sink.add(place, message)

    # ------------------------------------------------------------ roles of an agency, shared roles

    def _init_role_scopes(self) -> None:
        """Shared roles (top-level ``roles``), each agency's own (``agencies.<key>.roles``), and the
        agencies a workflow serves (through its services): a role named where the agencies are known
        must be shared or declared by each of them."""
        self.shared_roles = {key for key in self.roles if key not in BUILTIN_ROLES}
        self.agency_roles = {key: {role for role in _mapping(agency.get("roles")) if role not in BUILTIN_ROLES}
                             for key, agency in self.agencies.items() if isinstance(agency, dict)}
        self.staff_roles = set(self.shared_roles).union(*self.agency_roles.values())
        self.workflow_agencies: dict[str, list[str]] = {}
        for service in self.services.values():
            if isinstance(service, dict) and isinstance(service.get("workflow"), str) \
                    and service.get("agency") in self.agency_roles:
                agencies = self.workflow_agencies.setdefault(service["workflow"], [])
                if service["agency"] not in agencies:
                    agencies.append(service["agency"])
        self.role_scope: tuple[str, ...] = ()   # the agencies of what is being checked (none: any role)

    def check_role_scope(self, role: Any, place: Place, subject: Any) -> None:
        """A declared staff role used for ``self.role_scope``'s agencies must be shared or their own."""
        if not isinstance(role, str) or role in self.shared_roles or role not in self.staff_roles:
            return
        for agency in self.role_scope:
            if role not in self.agency_roles.get(agency, ()):
                owners = ", ".join(key for key, roles in self.agency_roles.items() if role in roles)
                self.add(place, N_("%(subject)s menyebut peran '%(role)s' milik instansi %(owners)s; instansi '%(agency)s' "
                                   "hanya boleh memakai perannya sendiri (agencies.%(agency)s.roles) dan peran bersama "
                                   "(roles)%(suggestion)s", subject=subject, role=role, owners=owners, agency=agency,
                                   suggestion=did_you_mean(role, self.shared_roles | self.agency_roles.get(agency, set()))))

    def run(self) -> None:
        self.check_roles()
        self.check_documents()
        self.check_agencies()
        for key, workflow in self.workflows.items():
            if isinstance(workflow, dict):
                self.check_workflow(key, workflow, key_place(self.workflows, key, self.root))
        self.role_scope = ()
        service_codes: dict[tuple, tuple[str, Place]] = {}
        for key, service in self.services.items():
            if isinstance(service, dict):
                self.check_service(key, service, key_place(self.services, key, self.root), service_codes)
        self.check_signed_documents_have_signers()
        self.check_template_variables()

    # ------------------------------------------------------------ small reference helpers

    def check_staff_role(self, role: Any, place: Place, subject: Any) -> None:
        if not isinstance(role, str):
            return
        if role in BUILTIN_ROLES:
            self.add(place, N_("%(subject)s menyebut peran bawaan '%(role)s'; di sini diperlukan peran petugas", subject=subject, role=role))
        elif role not in self.staff_roles:
            self.add(place, N_("%(subject)s menyebut peran '%(role)s' yang tidak dikenal%(suggestion)s", subject=subject, role=role,
                               suggestion=did_you_mean(role, self.staff_roles)))
        else:
            self.check_role_scope(role, place, subject)

    def check_exists(self, name: Any, collection: dict, noun: Any, place: Place, subject: Any = None) -> bool:
        if not isinstance(name, str):
            return False
        if name in collection:
            return True
        where = N_(" (di %(subject)s)", subject=subject) if subject else ""
        self.add(place, N_("%(noun)s '%(name)s' tidak didefinisikan%(where)s%(suggestion)s", noun=noun, name=name, where=where,
                           suggestion=did_you_mean(name, collection)))
        return False

    def check_template_file(self, relative: Any, place: Place, noun: Any) -> None:
        if not isinstance(relative, str) or not relative.strip():
            return
        base = self.base_dir.resolve()
        target = (base / relative).resolve()
        if Path(relative).is_absolute() or (target != base and base not in target.parents):
            self.add(place, N_("%(noun)s '%(name)s' harus berada di dalam folder aturan", noun=noun, name=relative))
        elif not target.is_file():
            self.add(place, N_("%(noun)s '%(name)s' tidak ditemukan", noun=noun, name=relative))

    def check_notify(self, entry: Any, place: Place, subject: Any, *, on_overdue: bool = False) -> None:
        if not isinstance(entry, dict):
            return
        recipient = entry.get("to")
        if isinstance(recipient, str):
            if recipient.startswith("role:"):
                self.check_staff_role(recipient[5:], key_place(entry, "to", place), subject)
            elif recipient == "actor" and on_overdue:
                self.add(key_place(entry, "to", place), N_("%(subject)s memberi tahu 'actor', padahal tidak ada yang bertindak saat status terlambat",
                                                           subject=subject))
        channels = _names(entry.get("channels"), key_place(entry, "channels", place))
        for channel, where in channels:
            if channel not in self.known_channels:
                self.add(
                    where,
                    N_("kanal '%(channel)s' tidak dikenal di %(what)s (yang dikenal: %(known)s)%(suggestion)s", channel=channel,
                       what=subject, known=", ".join(self.known_channels), suggestion=did_you_mean(channel, self.known_channels)),
                )
        template_key = entry.get("template")
        template_place = key_place(entry, "template", place)
        if not isinstance(template_key, str):
            return
        if template_key not in self.notifications:
            self.add(
                template_place,
                N_("%(noun)s '%(name)s' tidak didefinisikan%(where)s%(suggestion)s", noun=N_("templat notifikasi"), name=template_key,
                   where="", suggestion=did_you_mean(template_key, self.notifications)),
            )
            return
        template = _mapping(self.notifications[template_key])
        for channel, where in channels:
            if channel in self.known_channels and channel not in template:
                self.add(where, N_("templat notifikasi '%(name)s' tidak memiliki varian '%(channel)s' (dipakai oleh %(subject)s)",
                                   name=template_key, channel=channel, subject=subject))

    def check_value_fits_field(self, spec: dict, value: Any, place: Place, subject: Any) -> None:
        """A value a rule compares with or stores in a field must be possible for that field."""
        kind = spec.get("type")
        if kind == "select":
            options = [option.get("value") for option in _list(spec.get("options")) if isinstance(option, dict)]
            if options and value not in options and str(value) not in {str(option) for option in options}:
                shown = ", ".join(str(described(option)) for option in options)
                self.add(place, N_("%(subject)s: %(value)s bukan pilihan dari isian '%(field)s' (%(shown)s)", subject=subject,
                                   value=described(value), field=spec["key"], shown=shown))
        elif kind == "checkbox" and not isinstance(value, bool):
            self.add(place, N_("%(subject)s: isian '%(field)s' adalah kotak centang, jadi bandingkan dengan true atau false",
                               subject=subject, field=spec["key"]))

    def check_condition(self, condition: Any, fields: dict, place: Place, subject: Any, missing_message: Any = None) -> None:
        """``show_if``/``when``: the field must be in ``fields``; compared values must fit it."""
        if not isinstance(condition, dict) or not isinstance(condition.get("field"), str):
            return
        key = condition["field"]
        where = key_place(condition, "field", place)
        spec = fields.get(key)
        if spec is None:
            self.add(where, missing_message or N_("%(subject)s menyebut isian '%(field)s' yang tidak dikenal%(suggestion)s",
                                                  subject=subject, field=key, suggestion=did_you_mean(key, fields)))
            return
        if "equals" in condition:
            self.check_value_fits_field(spec, condition["equals"], key_place(condition, "equals", place), subject)
        for index, value in enumerate(_list(condition.get("in"))):
            self.check_value_fits_field(spec, value, item_place(condition["in"], index, place), subject)

    # ------------------------------------------------------------ sections

    def check_roles(self) -> None:
        for key in self.roles:
            if key in BUILTIN_ROLES:
                self.add(key_place(self.roles, key, self.root), N_("peran '%(role)s' adalah bawaan dan tidak boleh dideklarasikan", role=key))
        for agency_key, agency in self.agencies.items():
            roles = _mapping(agency.get("roles")) if isinstance(agency, dict) else {}
            place = key_place(agency, "roles", key_place(self.agencies, agency_key, self.root)) if roles else self.root
            for key in roles:
                where = key_place(roles, key, place)
                if key in BUILTIN_ROLES:
                    self.add(where, N_("peran '%(role)s' adalah bawaan dan tidak boleh dideklarasikan", role=key))
                elif key in self.roles:
                    self.add(where, N_("peran '%(role)s' dari instansi '%(agency)s' sudah dideklarasikan sebagai peran bersama "
                                       "(roles); hapus salah satunya", role=key, agency=agency_key))

    def check_documents(self) -> None:
        for key, document in self.documents.items():
            if not isinstance(document, dict):
                continue
            place = key_place(self.documents, key, self.root)
            self.check_template_file(document.get("template"), key_place(document, "template", place), N_("berkas templat dokumen"))
            if document.get("numbering") is not None:
                self.check_exists(
                    document.get("numbering"), self.numbering, NUMBERING, key_place(document, "numbering", place), named(DOCUMENT, key)
                )
            remind = _mapping(_mapping(document.get("validity")).get("remind"))
            for index, entry in enumerate(_list(remind.get("notify"))):
                self.check_notify(entry, item_place(remind["notify"], index, key_place(remind, "notify", place)),
                                  N_("pengingat masa berlaku dari %(what)s", what=named(DOCUMENT, key)), on_overdue=True)

    def check_agencies(self) -> None:
        codes: dict[str, tuple[str, Place]] = {}
        for key, agency in self.agencies.items():
            if not isinstance(agency, dict):
                continue
            place = key_place(self.agencies, key, self.root)
            self.role_scope = (key,)
            code = agency.get("code")
            if isinstance(code, str):
                if code in codes:
                    other, other_place = codes[code]
                    self.add(
                        key_place(agency, "code", place),
                        N_("kode instansi '%(code)s' dipakai oleh instansi '%(other)s' (%(place)s) dan '%(key)s'", code=code, other=other,
                           place=f"{other_place.file}:{other_place.line}", key=key),
                    )
                else:
                    codes[code] = (key, key_place(agency, "code", place))
            for index, signatory in enumerate(_list(agency.get("signatories"))):
                if isinstance(signatory, dict):
                    where = item_place(agency["signatories"], index, place)
                    self.check_staff_role(
                        signatory.get("role"), key_place(signatory, "role", where),
                        of(named(N_("penandatangan"), signatory.get("key")), named(AGENCY, key))
                    )
            for index, group in enumerate(_list(agency.get("participant_groups"))):
                manages = group.get("manages_customers") if isinstance(group, dict) else None
                if isinstance(manages, dict):
                    where = item_place(agency["participant_groups"], index, place)
                    for role in _list(manages.get("approved_by")):
                        self.check_staff_role(role, key_place(group, "manages_customers", where),
                                              N_("approved_by pada kelompok peserta '%(group)s' dari instansi '%(agency)s'",
                                                 group=group.get("key"), agency=key))
            self.check_resources(key, agency, place)

    # ------------------------------------------------------------ bookings

    def check_resources(self, agency_key: str, agency: dict, place: Place) -> None:
        """Each resource's managing roles are staff roles."""
        for index, resource in enumerate(_list(agency.get("resources"))):
            if not isinstance(resource, dict):
                continue
            where = item_place(agency["resources"], index, place)
            subject = of(named(RESOURCE, resource.get("key")), named(AGENCY, agency_key))
            for role, role_place in _names(resource.get("managed_by"), key_place(resource, "managed_by", where)):
                self.check_staff_role(role, role_place, subject)

    def check_booking(self, service: dict, workflow: dict | None, place: Place, subject: Any) -> None:
        """A service's booking names a resource of its own agency and states of its workflow."""
        booking = service.get("booking")
        if not isinstance(booking, dict):
            return
        where = key_place(service, "booking", place)
        agency = _mapping(self.agencies.get(service.get("agency")))
        resources = {item["key"]: item for item in _list(agency.get("resources"))
                     if isinstance(item, dict) and isinstance(item.get("key"), str)}
        resource = booking.get("resource")
        if isinstance(resource, str) and agency and resource not in resources:
            self.add(key_place(booking, "resource", where),
                     N_("%(subject)s memesan sumber daya '%(resource)s', yang bukan sumber daya instansi '%(agency)s'"
                        "%(suggestion)s", subject=subject, resource=resource, agency=service.get("agency"),
                        suggestion=did_you_mean(resource, resources)))
        if workflow is not None:
            for state, state_place in _names(booking.get("pick_in"), key_place(booking, "pick_in", where)):
                self.check_exists(state, _mapping(workflow.get("states")), STATE, state_place, of("booking", subject))

        self.role_scope = ()

    def check_signed_documents_have_signers(self) -> None:
        for key, document in self.documents.items():
            if isinstance(document, dict) and document.get("signed") is True and key not in self.signed_documents:
                place = key_place(self.documents, key, self.root)
                self.add(key_place(document, "signed", place), N_("dokumen '%(key)s' bertanda signed: true tetapi tidak ada transisi yang menandatanganinya", key=key))

    # ------------------------------------------------------------ workflows

    def check_workflow(self, workflow_key: str, workflow: dict, place: Place) -> None:
        states = _mapping(workflow.get("states"))
        transitions = [t for t in _list(workflow.get("transitions")) if isinstance(t, dict)]
        transition_places = {
            id(t): item_place(workflow["transitions"], index, place)
            for index, t in enumerate(_list(workflow.get("transitions")))
        }
        of_workflow = named(WORKFLOW, workflow_key)
        self.role_scope = tuple(self.workflow_agencies.get(workflow_key, ()))
        initial = workflow.get("initial")
        initial_ok = isinstance(initial, str) and initial in states
        if isinstance(initial, str) and not initial_ok:
            self.add(
                key_place(workflow, "initial", place),
                N_("status awal '%(state)s' dari %(what)s bukan salah satu statusnya%(suggestion)s", state=initial, what=of_workflow,
                   suggestion=did_you_mean(initial, states)),
            )
        if initial_ok and _mapping(states[initial]).get("kind") in FINAL_STATE_KINDS:
            self.add(key_place(workflow, "initial", place), N_("status awal '%(state)s' dari %(what)s tidak boleh status akhir", state=initial, what=of_workflow))

        on_submit = _mapping(workflow.get("on_submit"))
        for index, entry in enumerate(_list(on_submit.get("notify"))):
            self.check_notify(entry, item_place(on_submit["notify"], index, key_place(on_submit, "notify", place)),
                              of("on_submit", of_workflow))

        edges: dict[str, set[str]] = {key: set() for key in states}
        has_exit: set[str] = set()
        offered: dict[tuple[str, str], Place] = {}
        for transition in transitions:
            where = transition_places[id(transition)]
            action = transition.get("action")
            subject = of(named(N_("transisi"), action), of_workflow) if isinstance(action, str) else N_(
                "sebuah transisi dari %(what)s", what=of_workflow)
            target = transition.get("to")
            target_ok = isinstance(target, str) and target in states
            if isinstance(target, str) and not target_ok:
                self.add(key_place(transition, "to", where), N_("%(subject)s menuju status '%(state)s' yang tidak dikenal%(suggestion)s",
                                                                subject=subject, state=target, suggestion=did_you_mean(target, states)))
            for source, source_place in _names(transition.get("from"), key_place(transition, "from", where)):
                if source not in states:
                    self.add(source_place, N_("%(subject)s berasal dari status '%(state)s' yang tidak dikenal%(suggestion)s",
                                              subject=subject, state=source, suggestion=did_you_mean(source, states)))
                    continue
                if _mapping(states[source]).get("kind") in FINAL_STATE_KINDS:
                    self.add(source_place, N_("status akhir '%(state)s' dari %(what)s tidak boleh memiliki transisi keluar '%(action)s'",
                                              state=source, what=of_workflow, action=action))
                has_exit.add(source)
                if target_ok:
                    edges[source].add(target)
                if isinstance(action, str):
                    first = offered.get((source, action))
                    if first is not None:
                        self.add(
                            source_place,
                            N_("status '%(state)s' dari %(what)s menawarkan aksi '%(action)s' dua kali (pertama di %(first)s)",
                               state=source, what=of_workflow, action=action, first=f"{first.file}:{first.line}"),
                        )
                    else:
                        offered[(source, action)] = key_place(transition, "action", where)
            self.check_transition(workflow_key, transition, where, subject)
        self.check_auto_steps(transitions, transition_places, states, of_workflow)

        for state_key, state in states.items():
            state_place = key_place(states, state_key, place)
            kind = _mapping(state).get("kind")
            if kind not in FINAL_STATE_KINDS and isinstance(kind, str) and state_key not in has_exit:
                self.add(state_place, N_("status '%(state)s' dari %(what)s bukan status akhir tetapi tidak memiliki jalan keluar",
                                         state=state_key, what=of_workflow))
            overdue = _mapping(_mapping(state).get("on_overdue"))
            if overdue:
                self.check_on_overdue(workflow_key, state_key, overdue, key_place(state, "on_overdue", state_place), transitions)

        if initial_ok:
            reached = {initial}
            queue = deque([initial])
            while queue:
                for target in edges.get(queue.popleft(), ()):
                    if target not in reached:
                        reached.add(target)
                        queue.append(target)
            for state_key in states:
                if state_key not in reached:
                    self.add(
                        key_place(states, state_key, place),
                        N_("status '%(state)s' dari %(what)s tidak dapat dicapai dari '%(initial)s'", state=state_key, what=of_workflow,
                           initial=initial),
                    )

    def check_on_overdue(self, workflow_key: str, state_key: str, overdue: dict, place: Place, transitions: list) -> None:
        subject = of("on_overdue", of(named(STATE, state_key), named(WORKFLOW, workflow_key)))
        for index, entry in enumerate(_list(overdue.get("notify"))):
            self.check_notify(entry, item_place(overdue["notify"], index, place), subject, on_overdue=True)
        fire = overdue.get("fire")
        if isinstance(fire, str):
            available = any(
                transition.get("action") == fire
                and state_key in [name for name, _ in _names(transition.get("from"), place)]
                and "system" in [name for name, _ in _names(transition.get("by"), place)]
                for transition in transitions
            )
            if not available:
                self.add(
                    key_place(overdue, "fire", place),
                    N_("%(subject)s menjalankan '%(fire)s', yang bukan aksi yang tersedia bagi 'system' dari status itu",
                       subject=subject, fire=fire),
                )

    def check_transition(self, workflow_key: str, transition: dict, place: Place, subject: Any) -> None:
        roles = _names(transition.get("by"), key_place(transition, "by", place))
        for role, where in roles:
            if role not in BUILTIN_ROLES and role not in self.staff_roles:
                self.add(where, N_("%(subject)s dilakukan oleh peran '%(role)s' yang tidak dikenal%(suggestion)s", subject=subject, role=role,
                                   suggestion=did_you_mean(role, [*self.staff_roles, *BUILTIN_ROLES])))
            else:
                self.check_role_scope(role, where, subject)
        form = _list(transition.get("form"))
        fields = _fields_by_key(form)
        earlier: dict[str, dict] = {}
        for index, spec in enumerate(form):
            if not isinstance(spec, dict):
                continue
            where = item_place(form, index, place)
            field_subject = of(named(FIELD, spec.get("key")), subject)
            if spec.get("type") == "assignee":
                self.check_staff_role(spec.get("role"), key_place(spec, "role", where), field_subject)
            condition = spec.get("show_if")
            if isinstance(condition, dict) and isinstance(condition.get("field"), str) and condition["field"] in earlier:
                self.check_condition(condition, earlier, key_place(spec, "show_if", where), of("show_if", field_subject))
            if isinstance(spec.get("key"), str):
                earlier[spec["key"]] = spec
        if roles and {role for role, _ in roles} == {"system"}:
            for key, spec in fields.items():
                if spec.get("required") is True:
                    self.add(
                        key_place(spec, "required", place),
                        N_("%(subject)s hanya dilakukan oleh 'system', yang tidak dapat mengisi isian wajib '%(field)s'",
                           subject=subject, field=key),
                    )
        for name, args, entry, index in _entries(transition.get("effects"), effect_name_and_args):
            if name in EFFECT_NAMES:
                effect_place = key_place(entry, name, item_place(transition["effects"], index, place))
                self.check_effect(name, args, effect_place, of(named(N_("efek"), name), subject), fields)
                if name == "create_invoice":
                    self.check_invoice_fire(workflow_key, transition, args, effect_place, of(named(N_("efek"), name), subject))

    def check_invoice_fire(self, workflow_key: str, transition: dict, args: Any, place: Place, subject: Any) -> None:
        """An unpaid invoice's ``fire`` runs in the state the invoice was issued into."""
        fire = _mapping(_mapping(args).get("on_overdue")).get("fire")
        target = transition.get("to")
        if not isinstance(fire, str) or not isinstance(target, str):
            return
        transitions = _list(_mapping(self.workflows.get(workflow_key)).get("transitions"))
        available = any(
            isinstance(other, dict) and other.get("action") == fire
            and target in [state for state, _ in _names(other.get("from"), place)]
            and "system" in [role for role, _ in _names(other.get("by"), place)]
            for other in transitions
        )
        if not available:
            self.add(key_place(args["on_overdue"], "fire", key_place(args, "on_overdue", place)),
                     N_("%(subject)s menjalankan '%(fire)s', yang bukan aksi yang tersedia bagi 'system' dari status '%(state)s'",
                        subject=of("on_overdue", subject), fire=fire, state=target))

    def check_form_field(self, fields: dict, args: dict, arg: str, types: Iterable[str], place: Place, subject: Any) -> None:
        key = args.get(arg)
        if not isinstance(key, str):
            return
        where = key_place(args, arg, place)
        allowed = tuple(types)
        spec = fields.get(key)
        if allowed == ("assignee",):
            wanted = N_("isian penugasan (assignee)")
        else:
            types: Any = allowed[-1]
            for left in reversed(allowed[:-1]):
                types = N_("%(left)s atau %(right)s", left=left, right=types)
            wanted = N_("isian %(types)s", types=types)
        if spec is None:
            self.add(where, N_("%(subject)s menyebut isian '%(field)s', yang tidak ada di formulir transisi (diperlukan %(wanted)s)",
                               subject=subject, field=key, wanted=wanted))
        elif spec.get("type") not in allowed:
            self.add(where, N_("%(subject)s memerlukan '%(arg)s' berupa %(wanted)s dari formulir; '%(field)s' adalah isian %(type)s",
                               subject=subject, arg=arg, wanted=wanted, field=key, type=spec.get("type")))

    def check_effect(self, name: str, args: Any, place: Place, subject: Any, fields: dict) -> None:
        if name == "notify":
            for index, entry in enumerate(_list(args)):
                self.check_notify(entry, item_place(args, index, place), subject)
            return
        if not isinstance(args, dict):
            return
        if name == "assign_number":
            self.check_exists(args.get("numbering"), self.numbering, NUMBERING, key_place(args, "numbering", place), subject)
        elif name == "assign" and "field" in args:
            self.check_form_field(fields, args, "field", ("assignee",), place, subject)
        elif name == "record_payment_proof":
            self.check_form_field(fields, args, "file_field", ("file",), place, subject)
            self.check_form_field(fields, args, "account_field", ("bank_account",), place, subject)
            self.check_form_field(fields, args, "reference_field", ("text", "textarea", "number"), place, subject)
            self.check_form_field(fields, args, "date_field", ("date", "datetime"), place, subject)
        elif name == "set_payment_status":
            self.check_form_field(fields, args, "date_field", ("date",), place, subject)
            self.check_form_field(fields, args, "amount_field", ("money", "number"), place, subject)
            self.check_form_field(fields, args, "reference_field", ("text", "textarea"), place, subject)
            self.check_form_field(fields, args, "ntpn_field", ("ntpn",), place, subject)
        elif name == "record_refund":  # fees (issue 13, item 7)
            self.check_form_field(fields, args, "date_field", ("date",), place, subject)
            self.check_form_field(fields, args, "amount_field", ("money", "number"), place, subject)
            self.check_form_field(fields, args, "account_field", ("text", "textarea"), place, subject)
            self.check_form_field(fields, args, "reference_field", ("text", "textarea"), place, subject)
        elif name == "set_billing_code":
            if "numbering" in args and self.check_exists(
                    args.get("numbering"), self.numbering, NUMBERING, key_place(args, "numbering", place), subject):
                pattern = _mapping(self.numbering[args["numbering"]]).get("pattern")
                if isinstance(pattern, str) and not billing_code_pattern(pattern):
                    self.add(key_place(args, "numbering", place),
                             N_("%(subject)s mengambil dari penomoran '%(numbering)s', yang polanya '%(pattern)s' tidak menghasilkan"
                                " %(length)s angka (pakai hanya angka, {yy}, {yyyy}, {mm}, {dd} dan {seq:N})", subject=subject,
                                numbering=args["numbering"], pattern=pattern, length=BILLING_CODE_LENGTH))
            self.check_form_field(fields, args, "field", ("billing_code",), place, subject)
        elif name == "create_invoice":
            due = _mapping(args.get("due"))
            if due:
                self.check_form_field(fields, due, "field", ("date", "datetime"), key_place(args, "due", place), subject)
            overdue = _mapping(args.get("on_overdue"))
            for index, entry in enumerate(_list(overdue.get("notify"))):
                self.check_notify(entry, item_place(overdue["notify"], index, key_place(args, "on_overdue", place)),
                                  of("on_overdue", subject), on_overdue=True)
            if overdue and not due:
                self.add(key_place(args, "on_overdue", place), N_("%(what)s memiliki 'on_overdue' tetapi tidak memiliki 'due'", what=subject))
        elif name == "offer_slots":
            self.check_form_field(fields, args, "field", ("slots",), place, subject)
        elif name == "choose_slot":
            self.check_form_field(fields, args, "field", ("slot",), place, subject)
        elif name == "generate":
            documents = args.get("documents")
            for index, document in enumerate(_list(documents)):
                self.check_exists(document, self.documents, DOCUMENT, item_place(documents, index, place), subject)
        elif name == "sign":
            document = args.get("document")
            if self.check_exists(document, self.documents, DOCUMENT, key_place(args, "document", place), subject):
                self.signed_documents.add(document)
                if _mapping(self.documents[document]).get("signed") is not True:
                    self.add(key_place(args, "document", place), N_("%(subject)s menandatangani dokumen '%(document)s', yang tidak bertanda signed: true",
                                                                    subject=subject, document=document))
            self.check_form_field(fields, args, "passphrase_field", ("passphrase",), place, subject)

    # ------------------------------------------------------------ services

    def check_service(self, service_key: str, service: dict, place: Place, codes: dict) -> None:
        subject = named(SERVICE, service_key)
        agency_key = service.get("agency")
        self.role_scope = (agency_key,) if agency_key in self.agency_roles else ()
        if self.check_exists(agency_key, self.agencies, AGENCY, key_place(service, "agency", place), subject):
            agency = _mapping(self.agencies[agency_key])
            classes = {
                item["key"] for item in _list(agency.get("service_classes")) if isinstance(item, dict) and isinstance(item.get("key"), str)
            }
            service_class = service.get("class")
            if isinstance(service_class, str) and service_class not in classes:
                self.add(
                    key_place(service, "class", place),
                    N_("%(subject)s memiliki kelas '%(class)s', yang bukan kelas layanan dari instansi '%(agency)s'%(suggestion)s",
                       subject=subject, agency=agency_key, suggestion=did_you_mean(service_class, classes), **{"class": service_class}),
                )
            code = service.get("code")
            if isinstance(code, str):
                first = codes.get((agency_key, code))
                if first:
                    self.add(
                        key_place(service, "code", place),
                        N_("kode layanan '%(code)s' dari instansi '%(agency)s' sudah dipakai oleh layanan '%(other)s' (%(place)s)",
                           code=code, agency=agency_key, other=first[0], place=f"{first[1].file}:{first[1].line}"),
                    )
                else:
                    codes[(agency_key, code)] = (service_key, key_place(service, "code", place))
        if "request_kinds" in service:
            for kind, where in _names(service.get("request_kinds"), key_place(service, "request_kinds", place)):
                self.check_exists(kind, self.request_kinds, REQUEST_KIND, where, subject)
        elif "baru" not in self.request_kinds:
            self.add(place, N_("%(subject)s menawarkan jenis permohonan 'baru' (bawaan), yang tidak didefinisikan di request_kinds", subject=subject))
        if service.get("survey") is not None:
            self.check_exists(service.get("survey"), self.surveys, SURVEY, key_place(service, "survey", place), subject)
        if service.get("receipt_numbering") is not None:
            self.check_exists(
                service.get("receipt_numbering"), self.numbering, NUMBERING, key_place(service, "receipt_numbering", place), subject
            )
        for index, item in enumerate(_list(service.get("catalogue"))):
            if isinstance(item, dict) and item.get("handler_role") is not None:
                where = item_place(service["catalogue"], index, place)
                self.check_staff_role(
                    item.get("handler_role"), key_place(item, "handler_role", where), of(named(N_("butir katalog"), item.get("code")), subject)
                )

        fields = _fields_by_key(service.get("fields"))
        earlier: dict[str, dict] = {}
        for index, spec in enumerate(_list(service.get("fields"))):
            if not isinstance(spec, dict):
                continue
            where = item_place(service["fields"], index, place)
            field_subject = of("show_if", of(named(FIELD, spec.get("key")), subject))
            condition = spec.get("show_if")
            if isinstance(condition, dict) and isinstance(condition.get("field"), str):
                target = condition["field"]
                missing = None
                if target in fields and target not in earlier:
                    missing = N_("%(subject)s menyebut isian '%(field)s', yang harus berada sebelumnya", subject=field_subject, field=target)
                self.check_condition(condition, earlier, key_place(spec, "show_if", where), field_subject, missing)
            if isinstance(spec.get("key"), str):
                earlier[spec["key"]] = spec
        self.check_field_references(_list(service.get("fields")), key_place(service, "fields", place), subject)
        # fields (issue 13): a repeatable group's sub-fields compare with the other sub-fields of their row
        for index, spec in enumerate(_list(service.get("fields"))):
            if isinstance(spec, dict) and spec.get("type") == "group" and isinstance(spec.get("fields"), list):
                where = item_place(service["fields"], index, place)
                self.check_field_references(spec["fields"], key_place(spec, "fields", where),
                                            of(named(FIELD, spec.get("key")), subject))
        for index, document in enumerate(_list(service.get("documents"))):
            if not isinstance(document, dict):
                continue
            where = item_place(service["documents"], index, place)
            document_subject = of("'when'", of(named(N_("dokumen persyaratan"), document.get("key")), subject))
            self.check_condition(document.get("when"), fields, key_place(document, "when", where), document_subject)
            if document.get("template") is not None:
                self.check_template_file(document.get("template"), key_place(document, "template", where), N_("berkas templat persyaratan"))

        workflow_key = service.get("workflow")
        if self.check_exists(workflow_key, self.workflows, WORKFLOW, key_place(service, "workflow", place), subject):
            workflow = _mapping(self.workflows[workflow_key])
            self.check_workflow_for_service(workflow_key, workflow, service_key, service, fields)
            self.check_booking(service, workflow, place, subject)
            if isinstance(service.get("work_items"), dict):
                self.check_work_items(service["work_items"], workflow, key_place(service, "work_items", place), subject)
            adjust = service.get("cart_adjust")
            if isinstance(adjust, dict):
                where = key_place(service, "cart_adjust", place)
                for role, role_place in _names(adjust.get("by"), key_place(adjust, "by", where)):
                    self.check_staff_role(role, role_place, of("cart_adjust", subject))
                for state, state_place in _names(adjust.get("states"), key_place(adjust, "states", where)):
                    self.check_exists(state, _mapping(workflow.get("states")), STATE, state_place, of("cart_adjust", subject))

    def check_work_items(self, spec: dict, workflow: dict, place: Place, subject: str) -> None:
        """The rows' staff role and each step's roles and states exist; ``enter`` is the row's own."""
        subject = of("work_items", subject)
        self.check_staff_role(spec.get("assignee_role"), key_place(spec, "assignee_role", place), subject)
        states = _mapping(workflow.get("states"))
        for step in ("assign", "enter", "verify", "validate"):
            step_spec = spec.get(step)
            if not isinstance(step_spec, dict):
                continue
            where = key_place(spec, step, place)
            for role, role_place in _names(step_spec.get("by"), key_place(step_spec, "by", where)):
                if step == "enter" and role != "row_assignee":
                    self.add(role_place, N_("%(subject)s: 'enter' dikerjakan oleh petugas baris itu sendiri; tulis by: [row_assignee]",
                                             subject=subject))
                elif step != "enter" and role not in self.staff_roles and role != "assignee":
                    self.add(role_place, N_("%(subject)s: langkah '%(step)s' menyebut peran '%(role)s' yang tidak dikenal%(suggestion)s",
                                            subject=subject, step=step, role=role,
                                            suggestion=did_you_mean(role, [*self.staff_roles, "assignee"])))
                elif step != "enter":
                    self.check_role_scope(role, role_place, of(named(N_("langkah"), step), subject))
            for state, state_place in _names(step_spec.get("states"), key_place(step_spec, "states", where)):
                self.check_exists(state, states, STATE, state_place, subject)

    def check_workflow_for_service(self, workflow_key: str, workflow: dict, service_key: str, service: dict, fields: dict) -> None:
        """Checks of a shared workflow that depend on the service using it (its fields, cart, survey)."""
        transitions = _list(workflow.get("transitions"))
        workflow_place = key_place(self.workflows, workflow_key, self.root)
        for index, transition in enumerate(transitions):
            if not isinstance(transition, dict):
                continue
            place = item_place(transitions, index, workflow_place)
            subject = of(named(N_("transisi"), transition.get("action")), named(WORKFLOW, workflow_key))
            form = _list(transition.get("form"))
            form_fields = _fields_by_key(form)
            self.check_field_references(form, key_place(transition, "form", place), subject, fields, service_key)
            earlier: set[str] = set()
            for form_index, spec in enumerate(form):
                if not isinstance(spec, dict):
                    continue
                condition = spec.get("show_if")
                if isinstance(condition, dict) and isinstance(condition.get("field"), str) and condition["field"] not in earlier:
                    target = condition["field"]
                    where = key_place(spec, "show_if", item_place(form, form_index, place))
                    field_subject = of("show_if", of(named(FIELD, spec.get("key")), subject))
                    self.check_condition(
                        condition,
                        fields,
                        where,
                        field_subject,
                        N_("%(subject)s menyebut isian '%(field)s', yang bukan isian sebelumnya di formulir dan bukan isian layanan '%(service)s'",
                           subject=field_subject, field=target, service=service_key),
                    )
                if isinstance(spec.get("key"), str):
                    earlier.add(spec["key"])
            for name, args, entry, entry_index in _entries(transition.get("guards"), guard_name_and_args):
                if name not in GUARD_NAMES:
                    continue
                where = item_place(transition["guards"], entry_index, place)
                guard_subject = of(named(N_("syarat"), name), subject)
                if name == "survey_done" and service.get("survey") is None:
                    self.add(where, N_("%(subject)s memerlukan survei, tetapi layanan '%(service)s' tidak memilikinya", subject=guard_subject, service=service_key))
                if name == "cart_not_empty" and service.get("cart") is not True:
                    self.add(where, N_("%(subject)s memerlukan keranjang, tetapi layanan '%(service)s' tidak memilikinya", subject=guard_subject, service=service_key))
                if name in ("field_equals", "field_in", "field_filled") and isinstance(args, dict):
                    self.check_service_field_value(
                        name, args, fields, key_place(entry, name, where), guard_subject, service_key
                    )
            for name, args, entry, entry_index in _entries(transition.get("effects"), effect_name_and_args):
                if not isinstance(args, dict):
                    continue
                where = key_place(entry, name, item_place(transition["effects"], entry_index, place))
                effect_subject = of(named(N_("efek"), name), subject)
                if name == "set_field":
                    self.check_service_field_value(name, args, fields, where, effect_subject, service_key)
                elif name == "create_invoice":
                    if args.get("amount") == "cart_total" and service.get("cart") is not True:
                        self.add(where, N_("%(subject)s menagih total keranjang, tetapi layanan '%(service)s' tidak memiliki keranjang",
                                           subject=effect_subject, service=service_key))
                    if isinstance(args.get("amount_expr"), str):
                        self.check_tariff_names(args, form_fields, fields, service, service_key,
                                                key_place(args, "amount_expr", where), effect_subject)
                    amount_field = args.get("amount_field")
                    if isinstance(amount_field, str):
                        spec = form_fields.get(amount_field) or fields.get(amount_field)
                        field_place = key_place(args, "amount_field", where)
                        if spec is None:
                            self.add(
                                field_place,
                                N_("%(subject)s menyebut isian '%(field)s', yang tidak ada di formulir dan bukan isian layanan '%(service)s'",
                                   subject=effect_subject, field=amount_field, service=service_key),
                            )
                        elif not isinstance(spec.get("type"), str) or spec["type"] not in NUMBER_TYPES:
                            self.add(field_place, N_("%(subject)s memerlukan isian money atau number; '%(field)s' adalah isian %(type)s",
                                                     subject=effect_subject, field=amount_field, type=spec.get("type")))

    # ---- fees (issue 13, item 5)
    def check_tariff_names(self, args: dict, form_fields: dict, fields: dict, service: dict, service_key: str,
                           place: Place, subject: Any) -> None:
        """The names of a tariff expression exist for this service and are numbers (its syntax is
        checked with the format)."""
        try:
            tree = parse_tariff(args["amount_expr"])
        except TariffError:
            return
        field_keys, plain = tariff_names(tree)
        for key in sorted(field_keys):
            spec = form_fields.get(key) or fields.get(key)
            if spec is None:
                self.add(place, N_("%(subject)s menyebut isian '%(field)s', yang tidak ada di formulir dan bukan isian layanan '%(service)s'%(suggestion)s",
                                   subject=subject, field=key, service=service_key,
                                   suggestion=did_you_mean(key, [*form_fields, *fields])))
            elif spec.get("type") not in TARIFF_FIELD_TYPES:
                self.add(place, N_("%(subject)s memakai isian '%(field)s' dalam rumus tarif; yang dapat dihitung hanya isian %(types)s, "
                                   "'%(field)s' adalah isian %(type)s", subject=subject, field=key,
                                   types=", ".join(sorted(TARIFF_FIELD_TYPES)), type=spec.get("type")))
        if plain & {"cart_total", "cart_quantity"} and service.get("cart") is not True:
            self.add(place, N_("%(subject)s menghitung dari keranjang, tetapi layanan '%(service)s' tidak memiliki keranjang",
                               subject=subject, service=service_key))
    # ---- end fees

    def check_service_field_value(self, name: str, args: dict, fields: dict, place: Place, subject: Any, service_key: str) -> None:
        key = args.get("field")
        if not isinstance(key, str):
            return
        spec = fields.get(key)
        if spec is None:
            self.add(
                key_place(args, "field", place),
                N_("%(subject)s menyebut isian '%(field)s', yang tidak dimiliki layanan '%(service)s'%(suggestion)s", subject=subject,
                   field=key, service=service_key, suggestion=did_you_mean(key, fields)),
            )
            return
        if name in ("field_equals", "set_field") and "value" in args and args["value"] is not None:
            self.check_value_fits_field(spec, args["value"], key_place(args, "value", place), subject)
        if name == "field_in":
            for index, value in enumerate(_list(args.get("values"))):
                self.check_value_fits_field(spec, value, item_place(args["values"], index, place), subject)

    # ------------------------------------------------------------ fields (issue 13): comparisons with another field

    def check_field_references(self, form: list, place: Place, subject: Any, outside: dict | None = None,
                               service_key: str | None = None) -> None:
        """``before``/``min_field``/``max_field`` name another field of the same form (in a transition
        form: or of the service) whose type can be compared."""
        own = _fields_by_key(form)
        for index, spec in enumerate(form):
            if not isinstance(spec, dict):
                continue
            for name, types in FIELD_REFERENCE_TYPES.items():
                other = spec.get(name)
                if not isinstance(other, str):
                    continue
                where = key_place(spec, name, item_place(form, index, place))
                field_subject = of(f"'{name}'", of(named(FIELD, spec.get("key")), subject))
                candidates = {**(outside or {}), **own}
                candidates.pop(spec.get("key"), None)
                target = candidates.get(other)
                if target is None:
                    if service_key is None:
                        message = N_("%(subject)s menyebut isian '%(field)s', yang bukan isian lain di formulir ini%(suggestion)s",
                                     subject=field_subject, field=other, suggestion=did_you_mean(other, candidates))
                    else:
                        message = N_("%(subject)s menyebut isian '%(field)s', yang bukan isian lain di formulir ini maupun isian "
                                     "layanan '%(service)s'%(suggestion)s", subject=field_subject, field=other,
                                     service=service_key, suggestion=did_you_mean(other, candidates))
                    self.add(where, message)
                elif target.get("type") not in types:
                    self.add(where, N_("%(subject)s menyebut isian '%(field)s' bertipe %(type)s; yang dapat dibandingkan hanya "
                                       "isian %(types)s", subject=field_subject, field=other, type=target.get("type"),
                                       types=", ".join(sorted(types))))
    # ------------------------------------------------------------ automatic steps (issue 13, item 4)

    def check_auto_steps(self, transitions: list, places: dict, states: dict, of_workflow: Any) -> None:
        """An automatic step is performed by the system: its ``by`` names ``system``, its form asks
        nothing required, and automatic steps alone never lead back to where they started (a loop
        with no human step). A step out of a final state is refused with every other transition."""
        auto_edges: dict[str, list[tuple[str, dict]]] = {}
        for transition in transitions:
            auto = transition.get("auto")
            if auto is None or auto is False:
                continue
            where = places[id(transition)]
            auto_place = key_place(transition, "auto", where)
            action = transition.get("action")
            subject = of(named(N_("transisi"), action), of_workflow)
            if "system" not in [name for name, _ in _names(transition.get("by"), where)]:
                self.add(key_place(transition, "by", where), N_(
                    "%(subject)s otomatis (auto) dijalankan oleh sistem: 'by' harus memuat 'system'", subject=subject))
            required = [spec.get("key") for spec in _list(transition.get("form"))
                        if isinstance(spec, dict) and spec.get("required")]
            if required:
                self.add(auto_place, N_(
                    "%(subject)s otomatis (auto) tidak boleh memiliki isian formulir wajib (%(fields)s): tidak ada yang mengisinya",
                    subject=subject, fields=", ".join(str(key) for key in required)))
            target = transition.get("to")
            for source, _ in _names(transition.get("from"), where):
                if source in states and isinstance(target, str) and target in states:
                    auto_edges.setdefault(source, []).append((target, transition))
        reported: set[int] = set()
        for start in sorted(auto_edges):
            # depth-first along automatic steps only: reaching ``start`` again is a loop
            stack = [(start, [])]
            seen: set[str] = set()
            while stack:
                state, path = stack.pop()
                for target, transition in auto_edges.get(state, []):
                    steps = [*path, (state, transition)]
                    if target == start:
                        first = steps[0][1]
                        if id(first) not in reported:
                            reported.update(id(t) for _, t in steps)
                            cycle = " -> ".join([*(s for s, _ in steps), start])
                            self.add(key_place(first, "auto", places[id(first)]), N_(
                                "langkah otomatis (auto) dari %(what)s berputar tanpa langkah manusia: %(cycle)s",
                                what=of_workflow, cycle=cycle))
                    elif target not in seen:
                        seen.add(target)
                        stack.append((target, steps))

    # ------------------------------------------------------------ template variables (issue 13, item 8)

    def check_template_variables(self) -> None:
        """Every name a notification text or a document template uses is one the platform gives
        it (app.rules.template_variables); an unknown one is reported at its line."""
        from app.rules.template_variables import unknown_names

        for key, template in self.notifications.items():
            place = key_place(self.notifications, key, self.root)
            for channel, variant in _mapping(template).items():
                variant = _mapping(variant)
                where = key_place(template, channel, place)
                for part in ("subject", "body"):
                    text = variant.get(part)
                    if not isinstance(text, str):
                        continue
                    part_place = key_place(variant, part, where)
                    for unknown in unknown_names(text, "notifications"):
                        offset = unknown.line if "\n" in text else 0
                        what = N_("%(part)s dari '%(channel)s' templat notifikasi '%(key)s'", part=part, channel=channel, key=key)
                        self.add(Place(part_place.file, part_place.line + offset), _unknown_in_template(unknown, what))
        checked: set[Path] = set()
        for document in self.documents.values():
            relative = _mapping(document).get("template")
            if not isinstance(relative, str) or not relative.strip() or Path(relative).is_absolute():
                continue
            base = self.base_dir.resolve()
            target = (base / relative).resolve()
            if target in checked or base not in target.parents or not target.is_file():
                continue  # outside the folder or missing: reported by check_template_file
            checked.add(target)
            try:
                source = target.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            shown = os.path.normpath(os.path.join(self.base_dir, relative))
            for unknown in unknown_names(source, "documents"):
                self.add(Place(shown, unknown.line), _unknown_in_template(unknown, N_("templat dokumen")))


def _unknown_in_template(unknown, what: Message) -> Message:
    """The message for a name a template uses that its context lacks (or a filter it lacks)."""
    suggestion = did_you_mean(unknown.name, unknown.known)
    if unknown.filter:
        return N_("filter atau uji templat '%(name)s' tidak dikenal di %(what)s%(suggestion)s",
                  name=unknown.name, what=what, suggestion=suggestion)
    return N_("variabel templat '%(name)s' tidak dikenal di %(what)s%(suggestion)s",
              name=unknown.name, what=what, suggestion=suggestion)


def cross_check(sections: dict, *, base_dir: Path, known_channels: Sequence[str], sink: ProblemSink, root: Place) -> None:
    RulesCrossChecker(sections, base_dir=base_dir, known_channels=known_channels, sink=sink, root=root).run()


def billing_code_pattern(pattern: str) -> bool:
    """A numbering pattern that always yields a SIMPONI-style code: only digits, date tokens and a
    zero-padded sequence, 15 characters long."""
    tokens = [(m.group(1), m.group(2)) for m in NUMBERING_TOKEN_RE.finditer(pattern)]
    if any(token not in ("seq", "yy", "yyyy", "mm", "dd") for token, _ in tokens):
        return False
    if any(token == "seq" and not width for token, width in tokens) or "seq" not in [t for t, _ in tokens]:
        return False
    # the number it gives on 1 January 2026 with sequence 1 (only these tokens are left)
    day = {"seq": None, "yy": "26", "yyyy": "2026", "mm": "01", "dd": "01"}
    sample = NUMBERING_TOKEN_RE.sub(
        lambda m: "1".zfill(int(m.group(2))) if m.group(1) == "seq" else day[m.group(1)], pattern)
    return len(sample) == BILLING_CODE_LENGTH and sample.isascii() and sample.isdigit()
