"""The portal's account forms. Labels and messages are Indonesian source strings (``_l``);
each problem is attached to the field that caused it."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, EmailField, HiddenField, PasswordField, RadioField,
                     SelectField, StringField, TelField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

REQUIRED = _l("Wajib diisi.")

KIND_CHOICES = [("person", _l("Perorangan")), ("company", _l("Perusahaan / Badan Usaha")),
                ("institution", _l("Instansi / Lembaga"))]
GENDER_CHOICES = [("", _l("— Pilih —")), ("L", _l("Laki-laki")), ("P", _l("Perempuan"))]
EDUCATION_CHOICES = [("", _l("— Pilih —"))] + [(v, v) for v in (
    "SD", "SMP", "SMA/SMK", "D1", "D2", "D3", "D4", "S1", "S2", "S3")] + [("lainnya", _l("Lainnya"))]
COMPANY_TYPES = [("", _l("— Pilih —"))] + [(v, v) for v in (
    "PT", "CV", "Firma", "Koperasi", "UD", "Yayasan")] + [("lainnya", _l("Lainnya"))]
INSTITUTION_TYPES = [("", _l("— Pilih —")),
                     ("pemerintah_pusat", _l("Instansi Pemerintah Pusat")),
                     ("pemerintah_daerah", _l("Instansi Pemerintah Daerah")),
                     ("bumn_bumd", _l("BUMN / BUMD")),
                     ("perguruan_tinggi", _l("Perguruan Tinggi")),
                     ("sekolah", _l("Sekolah")),
                     ("tni_polri", _l("TNI / Polri")),
                     ("lsm", _l("LSM / Organisasi Kemasyarakatan")),
                     ("lainnya", _l("Lainnya"))]

class RegisterForm(FlaskForm):
    kind = RadioField(_l("Jenis akun"), choices=KIND_CHOICES, default="person",
                      validators=[InputRequired(REQUIRED)])
    agency = SelectField(_l("Instansi yang akan Anda tuju"), choices=[], validate_choice=False,
                         validators=[Optional()])
    # "agency:group" of an agency that declares participant_groups (e.g. Pemilik / Penyedia Alat)
    participant_group = SelectField(_l("Kelompok peserta"), choices=[], validate_choice=False,
                                    validators=[Optional()])
    # identity
    nik = StringField(_l("NIK (16 digit, sesuai KTP)"), validators=[DataRequired(REQUIRED)],
                      render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 20})
    npwp = StringField(_l("NPWP pribadi (jika ada)"), validators=[Optional()],
                       render_kw={"inputmode": "numeric"})
    full_name = StringField(_l("Nama lengkap beserta gelar"),
                            validators=[DataRequired(REQUIRED), Length(max=255)],
                            render_kw={"autocomplete": "name"})
    gender = SelectField(_l("Jenis kelamin"), choices=GENDER_CHOICES, validators=[Optional()])
    birth_date = DateField(_l("Tanggal lahir"), validators=[Optional()])
    education = SelectField(_l("Jenjang pendidikan"), choices=EDUCATION_CHOICES, validators=[Optional()])
    occupation = StringField(_l("Pekerjaan"), validators=[DataRequired(REQUIRED), Length(max=128)])
    # address
    address = TextAreaField(_l("Alamat (jalan, nomor, RT/RW)"), validators=[DataRequired(REQUIRED)],
                            render_kw={"rows": 2, "autocomplete": "street-address"})
    province = StringField(_l("Provinsi"), validators=[DataRequired(REQUIRED), Length(max=128)],
                           render_kw={"data-region": "province"})
    regency = StringField(_l("Kabupaten/Kota"), validators=[DataRequired(REQUIRED), Length(max=128)],
                          render_kw={"data-region": "regency"})
    district = StringField(_l("Kecamatan"), validators=[Optional(), Length(max=128)],
                           render_kw={"data-region": "district"})
    village = StringField(_l("Kelurahan/Desa"), validators=[Optional(), Length(max=128)],
                          render_kw={"data-region": "village"})
    postal_code = StringField(_l("Kode pos"), validators=[Optional(), Length(max=10)],
                              render_kw={"inputmode": "numeric", "autocomplete": "postal-code"})
    # contact
    phone = TelField(_l("Nomor HP/WhatsApp"), validators=[DataRequired(REQUIRED)],
                     render_kw={"autocomplete": "tel", "inputmode": "tel"})
    email = EmailField(_l("Email"), validators=[DataRequired(REQUIRED)], render_kw={"autocomplete": "email"})
    # organisation (company / institution)
    organisation_name = StringField(_l("Nama perusahaan / instansi"), validators=[Length(max=255)])
    organisation_type = SelectField(_l("Jenis perusahaan / instansi"), choices=[], validate_choice=False)
    organisation_npwp = StringField(_l("NPWP perusahaan / instansi"), render_kw={"inputmode": "numeric"})
    organisation_address = TextAreaField(_l("Alamat perusahaan / instansi"), render_kw={"rows": 2})
    organisation_email = EmailField(_l("Email perusahaan / instansi"))
    organisation_phone = TelField(_l("Telepon perusahaan / instansi"), render_kw={"inputmode": "tel"})
    # account
    username = StringField(_l("Nama pengguna (boleh dikosongkan)"), validators=[Optional(), Length(max=64)],
                           render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Kata sandi"), validators=[DataRequired(REQUIRED)],
                             render_kw={"autocomplete": "new-password"})
    password_confirm = PasswordField(_l("Ulangi kata sandi"), validators=[DataRequired(REQUIRED)],
                                     render_kw={"autocomplete": "new-password"})
    captcha = StringField(_l("Kode keamanan: hasil penjumlahan pada gambar"),
                          render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 3})
    agree = BooleanField(_l("Saya menyatakan data yang saya isi benar dan menyetujui ketentuan penggunaan layanan."),
                         validators=[DataRequired(_l("Centang pernyataan ini untuk melanjutkan."))])


class VerifyEmailForm(FlaskForm):
    email = EmailField(_l("Email yang Anda daftarkan"), validators=[DataRequired(REQUIRED)])
    code = StringField(_l("Kode verifikasi dari email (6 digit)"), validators=[DataRequired(REQUIRED)],
                       render_kw={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 6})


class ResendForm(FlaskForm):
    email = EmailField(_l("Email yang Anda daftarkan"), validators=[DataRequired(REQUIRED)])
    captcha = StringField(_l("Kode keamanan: hasil penjumlahan pada gambar"),
                          render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 3})


class LoginForm(FlaskForm):
    identifier = StringField(_l("NIK, email atau nama pengguna"), validators=[DataRequired(REQUIRED)],
                             render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Kata sandi"), validators=[DataRequired(REQUIRED)],
                             render_kw={"autocomplete": "current-password"})
    captcha = StringField(_l("Kode keamanan: hasil penjumlahan pada gambar"),
                          render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 3})
    next = HiddenField()


class ForgotPasswordForm(FlaskForm):
    nik = StringField(_l("NIK (16 digit)"), validators=[DataRequired(REQUIRED)],
                      render_kw={"inputmode": "numeric", "autocomplete": "off"})
    phone = TelField(_l("Nomor HP yang terdaftar"), validators=[DataRequired(REQUIRED)],
                     render_kw={"inputmode": "tel"})
    email = EmailField(_l("Email yang terdaftar"), validators=[DataRequired(REQUIRED)])
    captcha = StringField(_l("Kode keamanan: hasil penjumlahan pada gambar"),
                          render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 3})


class ResetPasswordForm(FlaskForm):
    email = EmailField(_l("Email yang terdaftar"), validators=[DataRequired(REQUIRED)])
    pin = StringField(_l("PIN dari email (6 digit)"), validators=[DataRequired(REQUIRED)],
                      render_kw={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 6})
    password = PasswordField(_l("Kata sandi baru"), validators=[DataRequired(REQUIRED)],
                             render_kw={"autocomplete": "new-password"})
    password_confirm = PasswordField(_l("Ulangi kata sandi baru"), validators=[DataRequired(REQUIRED)],
                                     render_kw={"autocomplete": "new-password"})


class ProfileForm(FlaskForm):
    phone = TelField(_l("Nomor HP/WhatsApp"), validators=[DataRequired(REQUIRED)])
    occupation = StringField(_l("Pekerjaan"), validators=[Optional(), Length(max=128)])
    education = SelectField(_l("Jenjang pendidikan"), choices=EDUCATION_CHOICES, validators=[Optional()])
    address = TextAreaField(_l("Alamat (jalan, nomor, RT/RW)"), validators=[DataRequired(REQUIRED)],
                            render_kw={"rows": 2})
    province = StringField(_l("Provinsi"), validators=[DataRequired(REQUIRED), Length(max=128)],
                           render_kw={"data-region": "province"})
    regency = StringField(_l("Kabupaten/Kota"), validators=[DataRequired(REQUIRED), Length(max=128)],
                          render_kw={"data-region": "regency"})
    district = StringField(_l("Kecamatan"), validators=[Optional(), Length(max=128)],
                           render_kw={"data-region": "district"})
    village = StringField(_l("Kelurahan/Desa"), validators=[Optional(), Length(max=128)],
                          render_kw={"data-region": "village"})
    postal_code = StringField(_l("Kode pos"), validators=[Optional(), Length(max=10)])
    organisation_name = StringField(_l("Nama perusahaan / instansi"), validators=[Length(max=255)])
    organisation_address = TextAreaField(_l("Alamat perusahaan / instansi"), render_kw={"rows": 2})
    organisation_phone = TelField(_l("Telepon perusahaan / instansi"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Kata sandi saat ini"), validators=[DataRequired(REQUIRED)],
                                     render_kw={"autocomplete": "current-password"})
    password = PasswordField(_l("Kata sandi baru"), validators=[DataRequired(REQUIRED)],
                             render_kw={"autocomplete": "new-password"})
    password_confirm = PasswordField(_l("Ulangi kata sandi baru"), validators=[DataRequired(REQUIRED)],
                                     render_kw={"autocomplete": "new-password"})
