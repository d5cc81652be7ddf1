"""Customer accounts: register, verify the email, wait for activation, log in and out, forgotten
password (emailed PIN), profile and change of password.

One registration writes the user, the profile, the verification token and the email (an outbox row)
in one transaction, or nothing. Login failures say one thing whether the account exists or not.
"""
from __future__ import annotations

from flask import (Flask, current_app, flash, g, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import appbuilder, db
from app.portal.blueprint import portal
from app.portal import tokens
from app.portal.auth import is_customer, login_required_customer, safe_next
from app.portal.captcha import captcha_enabled, check_captcha, new_challenge
from app.portal.forms import (COMPANY_TYPES, INSTITUTION_TYPES, ChangePasswordForm, ForgotPasswordForm,
                              LoginForm, ProfileForm, RegisterForm, ResendForm, ResetPasswordForm,
                              VerifyEmailForm)
from app.security.login_limits import login_limits, note_failed_login
from app.security.roles import CUSTOMER_ROLE
from app.security.log import LOGIN_FAILED, record_security_event
from app.security.passwords import password_problem
from app.security.sessions import revoke_sessions
from app.workflow.fields import FieldValueError, clean_email, clean_nik, clean_npwp, clean_phone
from models.activity import OutboxMessage
from models.base import utcnow
from models.people import AccountToken, CustomerProfile

LOGIN_CAPTCHA_AFTER = 3          # failed logins in this browser before the captcha is asked
KEEP_ON_LOGIN = ("cart", "locale")  # session keys that survive the fresh session of a login


# ---------------------------------------------------------------- helpers


def register_rate_limits(app: Flask) -> None:
    """Rate-limit the POSTs that guess secrets or send email (Flask-Limiter of Flask-AppBuilder)."""
    limiter = app.appbuilder.sm.limiter
    login_rate = app.config.get("PORTAL_LOGIN_RATE_LIMIT", "10 per 5 minute")
    mail_rate = app.config.get("PORTAL_MAIL_RATE_LIMIT", "5 per 15 minute")
    captcha_rate = app.config.get("PORTAL_CAPTCHA_RATE_LIMIT", "30 per minute")
    post = ["POST"]
    endpoint = "portal.login"  # failed logins per account, attempts per address, like the staff logins
    for limit in login_limits(app):
        app.view_functions[endpoint] = limit(app.view_functions[endpoint])
    for endpoint, rate, methods in (
            ("verify_email", login_rate, post), ("reset_password", login_rate, post),
            ("verify_link", login_rate, ["GET"]), ("forgot_password", mail_rate, post),
            ("resend_code", mail_rate, post), ("register", mail_rate, post), ("captcha_image", captcha_rate, ["GET"])):
        # Flask-Limiter checks inside the wrapper it returns: this app's view function becomes it
        endpoint = f"portal.{endpoint}"
        app.view_functions[endpoint] = limiter.limit(rate, methods=methods)(app.view_functions[endpoint])


def _message(error: FieldValueError) -> str:
    message = error.message
    template = getattr(message, "template", None)
    return _(template, **message.params) if template else str(message)


def _user_model():
    return appbuilder.sm.user_model


def _find_user_by_email(email: str):
    User = _user_model()
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def _find_user_for_login(identifier: str):
    """By username, email or NIK — whichever the customer typed."""
    User = _user_model()
    text = identifier.strip()
    user = db.session.scalar(select(User).where(User.username == text))
    if user is None and "@" in text:
        user = _find_user_by_email(text)
    if user is None and text.isdigit() and len(text) == 16:
        user = db.session.scalar(select(User).join(CustomerProfile, CustomerProfile.user_id == User.id)
                                 .where(CustomerProfile.nik == text))
    return user


def _profile_of(user_id: int) -> CustomerProfile | None:
    return db.session.scalar(select(CustomerProfile).where(CustomerProfile.user_id == user_id))


def _hash_password(password: str) -> str:
    cfg = current_app.config
    return generate_password_hash(password, method=cfg.get("FAB_PASSWORD_HASH_METHOD", "scrypt"),
                                  salt_length=cfg.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16))


_DUMMY_HASH: dict = {}


def _password_matches(user, password: str) -> bool:
    """Constant work whether or not the user exists (no timing oracle for enumeration)."""
    if user is None or not user.password:
        if "h" not in _DUMMY_HASH:
            _DUMMY_HASH["h"] = _hash_password("not-the-password")
        check_password_hash(_DUMMY_HASH["h"], password)
        return False
    return check_password_hash(user.password, password)


def _queue_email(user, subject: str, body: str, template: str) -> None:
    db.session.add(OutboxMessage(kind="notification", channel="email", recipient_id=user.id,
                                 recipient_address=user.email, template=template,
                                 payload={"subject": subject, "body": body}))


def _portal_url(endpoint: str, **values) -> str:
    base = current_app.config.get("PORTAL_BASE_URL", "").rstrip("/")
    return base + url_for(endpoint, **values)


def _agencies() -> dict:
    from app.commands.rules.state import rules_state

    return dict(rules_state().file_rules.agencies())


def _awaiting_activation(user_id: int) -> AccountToken | None:
    return db.session.scalar(select(AccountToken).where(
        AccountToken.user_id == user_id, AccountToken.purpose.like(tokens.AWAIT_ACTIVATION + ":%"),
        AccountToken.used_at.is_(None)).limit(1))


def _send_verification(user, profile: CustomerProfile) -> str:
    code = tokens.issue(user.id, tokens.VERIFY_EMAIL)
    link = _portal_url("portal.verify_link", akun=user.id, kode=code)
    body = _("Yth. %(name)s,\n\nTerima kasih telah mendaftar di portal layanan %(app)s.\n"
             "Kode verifikasi email Anda: %(code)s\n\nAtau buka tautan berikut untuk memverifikasi: %(link)s\n\n"
             "Kode berlaku 24 jam dan hanya dapat dipakai sekali. Abaikan email ini bila Anda tidak mendaftar.",
             name=profile.full_name, app=current_app.config.get("APP_NAME", "SatuPintu"), code=code, link=link)
    _queue_email(user, _("Kode verifikasi akun %(app)s", app=current_app.config.get("APP_NAME", "SatuPintu")),
                 body, "account_verify_email")
    return code


def _fresh_session() -> None:
    """A new session on login/logout: only the cart and the language survive."""
    kept = {key: session[key] for key in KEEP_ON_LOGIN if key in session}
    session.clear()
    session.update(kept)


@portal.before_app_request
def end_revoked_portal_sessions() -> None:
    """A portal login is recorded server-side: after logout (or a password reset) the old cookie is dead."""
    secret = session.get("portal_sid")
    if not secret:
        return
    user_id = session.get("_user_id")
    if user_id is None or not tokens.session_alive(int(user_id), secret):
        logout_user()
        _fresh_session()
        g.user = None


# ---------------------------------------------------------------- registration


class RegistrationError(Exception):
    """The registration form has problems; ``errors`` maps a field name to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class RegisterCustomerCommand:
    """Creates an inactive customer, its profile, a verification code and its email, in one commit."""

    def __init__(self, form: RegisterForm):
        self.form = form
        self.values: dict = {}
        self.taken: dict = {}   # "nik" / "email" → the user who already has it

    def validate(self) -> None:
        form, values, errors = self.form, self.values, {}
        kind = form.kind.data if form.kind.data in ("person", "company", "institution") else "person"
        values["kind"] = kind

        def clean(name, cleaner, raw):
            try:
                values[name] = cleaner(raw)
            except FieldValueError as error:
                errors[name] = _message(error)

        clean("nik", clean_nik, form.nik.data or "")
        if (form.npwp.data or "").strip():
            clean("npwp", clean_npwp, form.npwp.data)
        clean("phone", clean_phone, form.phone.data or "")
        clean("email", clean_email, form.email.data or "")
        if kind != "person":
            for name in ("organisation_name", "organisation_address", "organisation_type"):
                if not (getattr(form, name).data or "").strip():
                    errors[name] = _("Wajib diisi.")
            if (form.organisation_npwp.data or "").strip():
                clean("organisation_npwp", clean_npwp, form.organisation_npwp.data)
            elif kind == "company":
                errors["organisation_npwp"] = _("NPWP perusahaan wajib diisi.")
            clean("organisation_email", clean_email, form.organisation_email.data or "")
            clean("organisation_phone", clean_phone, form.organisation_phone.data or "")
        if (form.postal_code.data or "").strip() and not (
                form.postal_code.data.strip().isdigit() and len(form.postal_code.data.strip()) == 5):
            errors["postal_code"] = _("Kode pos harus 5 digit angka.")
        agency = (form.agency.data or "").strip()
        if agency and agency not in _agencies():
            errors["agency"] = _("Pilih instansi dari daftar.")
        groups = (_agencies().get(agency) or {}).get("participant_groups") or [] if agency else []
        chosen = (form.participant_group.data or "").strip()
        if groups:
            keys = {f"{agency}:{g['key']}" for g in groups}
            if chosen not in keys:
                errors["participant_group"] = _("Pilih kelompok peserta sesuai status Anda.")
            values["participant_group"] = chosen.split(":", 1)[1] if chosen in keys else None
        elif chosen:
            errors["participant_group"] = _("Instansi yang dipilih tidak memiliki kelompok peserta.")
        username = (form.username.data or "").strip()
        if username and not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
            errors["username"] = _("Nama pengguna hanya boleh huruf, angka, titik, garis bawah dan tanda hubung.")
        elif username.isdigit() and len(username) == 16 and username != values.get("nik"):
            # a NIK-shaped name would tell whether that NIK has an account ("sudah dipakai")
            errors["username"] = _("Nama pengguna tidak boleh berupa NIK. Kosongkan untuk memakai NIK Anda.")
        values["username"] = username or values.get("nik", "")
        problem = password_problem(form.password.data or "", personal=(
            values.get("nik", ""), (values.get("email") or "").split("@")[0], username))
        if problem:
            errors["password"] = problem
        elif form.password.data != form.password_confirm.data:
            errors["password_confirm"] = _("Ulangan kata sandi tidak sama.")
        # already registered? Not said here (that would tell anyone whose NIK or email has an
        # account): the answer is the same as for a new account, and the owner learns by email.
        User = _user_model()
        if "nik" in values:
            owner = db.session.scalar(select(CustomerProfile).where(CustomerProfile.nik == values["nik"]))
            if owner is not None:
                self.taken["nik"] = owner.user
        if "email" in values:
            owner = _find_user_by_email(values["email"])
            if owner is not None:
                self.taken["email"] = owner
        login_name = values["username"]   # typed, or the NIK
        holder = db.session.scalar(select(User).where(User.username == login_name)) if login_name else None
        if holder is not None:
            if login_name == values.get("nik"):   # the NIK as a login name: as secret as the NIK itself
                self.taken.setdefault("nik", holder)
            else:
                errors.setdefault("username", _("Nama pengguna ini sudah dipakai. Pilih yang lain."))
        if captcha_enabled() and not check_captcha("register", form.captcha.data):
            errors["captcha"] = _("Kode keamanan salah. Hitung penjumlahan pada gambar yang baru.")
        if errors or any(field.errors for field in form):
            raise RegistrationError(errors)

    def run(self):
        """The new user, or None when the NIK or email already has an account (its owner is told)."""
        self.validate()
        form, values = self.form, self.values
        if self.taken:
            self._warn_owners()
            return None
        sm = appbuilder.sm
        full_name = form.full_name.data.strip()
        first, _sep, last = full_name.partition(" ")
        try:
            user = sm.add_user(values["username"], first[:64], (last or "-")[:64], values["email"],
                               sm.find_role(CUSTOMER_ROLE), form.password.data, commit=False)
            if not user:
                raise RuntimeError("add_user failed")
            user.active = False   # until the email is verified (and, where required, an admin activates)
            profile = CustomerProfile(
                user_id=user.id, kind=values["kind"], full_name=full_name, nik=values["nik"],
                npwp=values.get("npwp"), gender=form.gender.data or "", birth_date=form.birth_date.data,
                education=form.education.data or "", occupation=(form.occupation.data or "").strip(),
                phone=values["phone"], address=form.address.data.strip(),
                province=(form.province.data or "").strip(), regency=(form.regency.data or "").strip(),
                district=(form.district.data or "").strip(), village=(form.village.data or "").strip(),
                postal_code=(form.postal_code.data or "").strip())
            if values["kind"] != "person":
                profile.organisation_name = form.organisation_name.data.strip()
                profile.organisation_type = form.organisation_type.data or ""
                profile.organisation_npwp = values.get("organisation_npwp")
                profile.organisation_address = form.organisation_address.data.strip()
                profile.organisation_email = values["organisation_email"]
                profile.organisation_phone = values["organisation_phone"]
            db.session.add(profile)
            agency = (form.agency.data or "").strip()
            if values.get("participant_group"):
                from app.commands.providers import set_participant_group
                from models import Agency
                agency_row = db.session.scalar(select(Agency).where(Agency.key == agency))
                if agency_row is not None:
                    set_participant_group(user.id, agency_row.id, values["participant_group"])
            if agency and _agencies()[agency].get("account_activation") == "admin":
                tokens.issue(user.id, f"{tokens.AWAIT_ACTIVATION}:{agency}"[:32], digits=None)
            _send_verification(user, profile)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        return user


    def _warn_owners(self) -> None:
        """Email each existing owner of the NIK or email that someone tried to register with it.
        Costs a password hash, like a real registration, so the answer takes as long."""
        _hash_password(self.form.password.data or "")
        app_name = current_app.config.get("APP_NAME", "SatuPintu")
        owners = {}
        for what, user in self.taken.items():
            if user is not None and user.email:
                owners.setdefault(user.id, (user, []))[1].append(what)
        try:
            for user, whats in owners.values():
                profile = _profile_of(user.id)
                name = profile.full_name if profile else f"{user.first_name} {user.last_name}".strip()
                what = f" {_('dan')} ".join(_("NIK") if w == "nik" else _("alamat email") for w in whats)
                body = _("Yth. %(name)s,\n\nSeseorang baru saja mencoba mendaftar akun baru di portal %(app)s "
                         "dengan %(what)s Anda. Akun baru tidak dibuat; akun Anda tidak berubah.\n\n"
                         "Jika itu Anda, silakan masuk di %(login)s atau gunakan Lupa Kata Sandi di %(forgot)s.\n"
                         "Jika bukan Anda, abaikan email ini; bila berulang, hubungi loket PTSP.",
                         name=name, app=app_name, what=what, login=_portal_url("portal.login"),
                         forgot=_portal_url("portal.forgot_password"))
                _queue_email(user, _("Percobaan pendaftaran dengan data Anda di %(app)s", app=app_name),
                             body, "account_register_attempt")
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise


def _participant_group_choices():
    """"agency:group" for every agency that declares participant groups."""
    from app.workflow.fields import label_text
    choices = [("", _("— Pilih bila instansi meminta —"))]
    for key, agency in _agencies().items():
        for group in agency.get("participant_groups") or []:
            choices.append((f"{key}:{group['key']}",
                            f"{agency.get('short_name') or agency['name']} — {label_text(group['label'])}"))
    return choices


def _agency_choices():
    choices = [("", _("— Semua / belum tahu —"))]
    for key, agency in sorted(_agencies().items(), key=lambda item: item[1].get("short_name") or item[1]["name"]):
        label = agency.get("short_name") or agency["name"]
        if agency.get("account_activation") == "admin":
            label += " " + _("(akun diaktifkan oleh admin)")
        choices.append((key, label))
    return choices


@portal.route("/daftar", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    form.agency.choices = _agency_choices()
    form.participant_group.choices = _participant_group_choices()
    kind = request.values.get("kind") or form.kind.data or "person"
    form.organisation_type.choices = INSTITUTION_TYPES if kind == "institution" else COMPANY_TYPES
    if request.method == "GET":
        if request.args.get("instansi") in _agencies():
            form.agency.data = request.args["instansi"]
        if kind in ("person", "company", "institution"):
            form.kind.data = kind
    if request.method == "POST":
        form.validate()  # presence and lengths; the command checks the rest, all problems at once
        command = RegisterCustomerCommand(form)
        try:
            command.run()   # a taken NIK or email answers exactly as a new account does
        except RegistrationError as error:
            for name, message in error.errors.items():
                field = getattr(form, name)
                field.errors = list(field.errors or []) + [message]
            flash(_("Pendaftaran belum berhasil. Periksa isian yang ditandai merah."), "danger")
        else:
            email = command.values["email"]
            session["verify_email"] = email
            flash(_("Pendaftaran berhasil. Kami mengirim kode verifikasi ke %(email)s.", email=email),
                  "success")
            return redirect(url_for("portal.verify_email"))
    new_challenge("register")
    return render_template("portal/account/register.html", form=form, kind=form.kind.data or "person",
                           institution_types=INSTITUTION_TYPES, company_types=COMPANY_TYPES,
                           captcha_on=captcha_enabled())


# ---------------------------------------------------------------- email verification and activation


def _complete_verification(user) -> str:
    """Mark the email verified; activate unless an admin must. Returns the endpoint to go to."""
    profile = _profile_of(user.id)
    if profile is not None and profile.email_verified_at is None:
        profile.email_verified_at = utcnow()
    if _awaiting_activation(user.id) is None:
        user.active = True
        db.session.commit()
        flash(_("Email Anda sudah terverifikasi. Silakan masuk."), "success")
        return "portal.login"
    db.session.commit()
    return "portal.activation_pending"


@portal.route("/verifikasi", methods=["GET", "POST"])
def verify_email():
    form = VerifyEmailForm()
    if request.method == "GET" and not form.email.data:
        form.email.data = session.get("verify_email", "")
    if form.validate_on_submit():
        user = _find_user_by_email(form.email.data)
        if user is not None and tokens.consume(user.id, tokens.VERIFY_EMAIL, form.code.data):
            session.pop("verify_email", None)
            return redirect(url_for(_complete_verification(user)))
        db.session.commit()  # the counted attempt
        form.code.errors = [_("Kode verifikasi salah atau sudah kedaluwarsa. Periksa email Anda atau minta kode baru.")]
    resend = ResendForm(formdata=None, email=form.email.data)
    new_challenge("resend")
    return render_template("portal/account/verify.html", form=form, resend=resend, captcha_on=captcha_enabled())


@portal.route("/verifikasi/tautan")
def verify_link():
    """The link in the verification email."""
    User = _user_model()
    user = db.session.get(User, request.args.get("akun", type=int) or 0)
    if user is not None and tokens.consume(user.id, tokens.VERIFY_EMAIL, request.args.get("kode", "")):
        return redirect(url_for(_complete_verification(user)))
    db.session.commit()
    flash(_("Tautan verifikasi tidak berlaku lagi. Masukkan kode dari email atau minta kode baru."), "warning")
    return redirect(url_for("portal.verify_email"))


@portal.route("/verifikasi/kirim-ulang", methods=["POST"])
def resend_code():
    form = ResendForm()
    if form.validate_on_submit():
        if captcha_enabled() and not check_captcha("resend", form.captcha.data):
            flash(_("Kode keamanan salah. Hitung penjumlahan pada gambar yang baru."), "danger")
        else:
            user = _find_user_by_email(form.email.data)
            profile = _profile_of(user.id) if user is not None else None
            if profile is not None and profile.email_verified_at is None:
                _send_verification(user, profile)
                db.session.commit()
            session["verify_email"] = form.email.data.strip()
            flash(_("Jika email tersebut terdaftar dan belum diverifikasi, kode baru sudah dikirim."), "info")
    return redirect(url_for("portal.verify_email"))


@portal.route("/menunggu-aktivasi")
def activation_pending():
    return render_template("portal/account/activation_pending.html")


# ---------------------------------------------------------------- login and logout


@portal.route("/masuk", methods=["GET", "POST"])
def login():
    if is_customer():
        return redirect(safe_next(request.args.get("next")) or url_for("portal.index"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    failures = session.get("login_failures", 0)
    needs_captcha = captcha_enabled() and failures >= LOGIN_CAPTCHA_AFTER
    error = None
    if form.validate_on_submit():
        if needs_captcha and not check_captcha("login", form.captcha.data):
            form.captcha.errors = [_("Kode keamanan salah. Hitung penjumlahan pada gambar yang baru.")]
        else:
            user = _find_user_for_login(form.identifier.data)
            if not _password_matches(user, form.password.data):
                if user is not None:
                    appbuilder.sm.update_user_auth_stat(user, False)
                record_security_event(LOGIN_FAILED, user_id=user.id if user else None,
                                      username=form.identifier.data, detail="portal")
                note_failed_login()
                session["login_failures"] = failures + 1
                error = _("NIK/email/nama pengguna atau kata sandi salah.")
            elif not is_customer(user):
                error = _("Akun petugas masuk melalui halaman petugas (/login/).")
            else:
                profile = _profile_of(user.id)
                if profile is not None and profile.email_verified_at is None:
                    session["verify_email"] = user.email
                    flash(_("Email Anda belum diverifikasi. Masukkan kode yang kami kirim ke email Anda."), "warning")
                    return redirect(url_for("portal.verify_email"))
                if not user.active:
                    return redirect(url_for("portal.activation_pending"))
                target = safe_next(form.next.data)
                _fresh_session()
                login_user(user)
                session["portal_sid"] = tokens.start_session(user.id)
                appbuilder.sm.update_user_auth_stat(user, True)  # commits the session record too
                flash(_("Selamat datang, %(name)s.", name=profile.full_name if profile else user.first_name),
                      "success")
                return redirect(target or url_for("portal.index"))
        needs_captcha = captcha_enabled() and session.get("login_failures", 0) >= LOGIN_CAPTCHA_AFTER
    if needs_captcha:
        new_challenge("login")
    return render_template("portal/account/login.html", form=form, error=error, needs_captcha=needs_captcha)


@portal.route("/keluar", methods=["POST"])
def logout():
    secret = session.get("portal_sid")
    if secret and current_user.is_authenticated:
        tokens.end_session(current_user.id, secret)
        db.session.commit()
    if current_user.is_authenticated:
        revoke_sessions(current_user.id, reason="logout")  # every session and JWT of this customer ends
    logout_user()
    _fresh_session()
    session.pop("cart", None)
    flash(_("Anda telah keluar."), "info")
    return redirect(url_for("portal.index"))


# ---------------------------------------------------------------- forgotten password


@portal.route("/lupa-sandi", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        if captcha_enabled() and not check_captcha("forgot", form.captcha.data):
            form.captcha.errors = [_("Kode keamanan salah. Hitung penjumlahan pada gambar yang baru.")]
        else:
            _send_reset_pin(form.nik.data, form.phone.data, form.email.data)
            session["reset_email"] = form.email.data.strip()
            flash(_("Jika NIK, nomor HP dan email cocok dengan akun yang terdaftar, PIN sudah kami kirim ke "
                    "email tersebut. PIN berlaku 15 menit."), "info")
            return redirect(url_for("portal.reset_password"))
    new_challenge("forgot")
    return render_template("portal/account/forgot.html", form=form, captcha_on=captcha_enabled())


def _send_reset_pin(nik: str, phone: str, email: str) -> None:
    try:
        nik, phone, email = clean_nik(nik), clean_phone(phone), clean_email(email)
    except FieldValueError:
        return
    profile = db.session.scalar(select(CustomerProfile).where(CustomerProfile.nik == nik))
    if profile is None or profile.phone != phone or (profile.user.email or "").lower() != email.lower():
        return
    user = profile.user
    pin = tokens.issue(user.id, tokens.RESET_PASSWORD)
    body = _("Yth. %(name)s,\n\nPIN untuk mengatur ulang kata sandi Anda: %(pin)s\n"
             "PIN berlaku 15 menit dan hanya dapat dipakai sekali. Masukkan di halaman %(link)s\n\n"
             "Jika Anda tidak meminta pengaturan ulang kata sandi, abaikan email ini; kata sandi Anda tidak berubah.",
             name=profile.full_name, pin=pin, link=_portal_url("portal.reset_password"))
    _queue_email(user, _("PIN atur ulang kata sandi"), body, "account_reset_pin")
    db.session.commit()


@portal.route("/lupa-sandi/pin", methods=["GET", "POST"])
def reset_password():
    form = ResetPasswordForm()
    if request.method == "GET":
        form.email.data = session.get("reset_email", "")
    if form.validate_on_submit():
        user = _find_user_by_email(form.email.data)
        problem = password_problem(form.password.data, personal=(form.email.data.split("@")[0],))
        if problem:
            form.password.errors = [problem]
        elif form.password.data != form.password_confirm.data:
            form.password_confirm.errors = [_("Ulangan kata sandi tidak sama.")]
        elif user is not None and tokens.consume(user.id, tokens.RESET_PASSWORD, form.pin.data):
            user.password = _hash_password(form.password.data)
            _end_all_sessions(user.id)
            db.session.commit()
            session.pop("reset_email", None)
            flash(_("Kata sandi berhasil diubah. Silakan masuk dengan kata sandi baru."), "success")
            return redirect(url_for("portal.login"))
        else:
            db.session.commit()  # the counted attempt
            form.pin.errors = [_("PIN salah atau sudah kedaluwarsa. Periksa email Anda atau minta PIN baru.")]
    return render_template("portal/account/reset.html", form=form)


def _end_all_sessions(user_id: int) -> None:
    db.session.execute(update(AccountToken).where(
        AccountToken.user_id == user_id, AccountToken.purpose == tokens.PORTAL_SESSION,
        AccountToken.used_at.is_(None)).values(used_at=utcnow()))


# ---------------------------------------------------------------- profile


@portal.route("/profil", methods=["GET", "POST"])
@login_required_customer
def profile():
    profile = _profile_of(current_user.id)
    if profile is None:
        flash(_("Profil Anda belum lengkap. Hubungi petugas PTSP."), "warning")
        return redirect(url_for("portal.index"))
    form = ProfileForm(obj=profile)
    if form.validate_on_submit():
        try:
            phone = clean_phone(form.phone.data)
        except FieldValueError as error:
            form.phone.errors = [_message(error)]
        else:
            org_phone = profile.organisation_phone
            if profile.kind != "person" and (form.organisation_phone.data or "").strip():
                try:
                    org_phone = clean_phone(form.organisation_phone.data)
                except FieldValueError as error:
                    form.organisation_phone.errors = [_message(error)]
            if not form.organisation_phone.errors:
                for name in ("occupation", "education", "address", "province", "regency", "district",
                             "village", "postal_code"):
                    setattr(profile, name, (getattr(form, name).data or "").strip())
                profile.phone = phone
                if profile.kind != "person":
                    profile.organisation_name = (form.organisation_name.data or profile.organisation_name).strip()
                    profile.organisation_address = (form.organisation_address.data or "").strip()
                    profile.organisation_phone = org_phone
                db.session.commit()
                flash(_("Profil tersimpan."), "success")
                return redirect(url_for("portal.profile"))
    return render_template("portal/account/profile.html", form=form, profile=profile, user=current_user)


@portal.route("/profil/kata-sandi", methods=["GET", "POST"])
@login_required_customer
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if not check_password_hash(user.password, form.current_password.data):
            form.current_password.errors = [_("Kata sandi saat ini salah.")]
        else:
            problem = password_problem(form.password.data, personal=(user.username, user.email.split("@")[0]))
            if problem:
                form.password.errors = [problem]
            elif form.password.data != form.password_confirm.data:
                form.password_confirm.errors = [_("Ulangan kata sandi tidak sama.")]
            else:
                user.password = _hash_password(form.password.data)
                _end_all_sessions(user.id)   # other devices are logged out; this one continues
                session["portal_sid"] = tokens.start_session(user.id)
                db.session.commit()
                flash(_("Kata sandi berhasil diubah."), "success")
                return redirect(url_for("portal.profile"))
    return render_template("portal/account/change_password.html", form=form)
