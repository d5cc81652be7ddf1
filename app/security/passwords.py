"""How strong a password or a signing passphrase is: the one list of common passwords and the two
checks that read it. The portal's account forms and the back office's signing keys
(``app/documents/signing.py``) both ask here; messages are Indonesian source strings."""
from __future__ import annotations

import re

from flask_babel import gettext as _

PASSPHRASE_MIN_LENGTH = 12

# Weak bases: a password that is one of these with digits or symbols around it is refused.
COMMON_PASSWORD_BASES = frozenset("""
password passw0rd pass sandi katasandi rahasia admin administrator user pengguna qwerty qwertyuiop
asdfgh asdfghjkl zxcvbn abc abcd abcdef abcdefg abcdefgh iloveyou sayang sayangku cinta cintaku
bismillah alhamdulillah indonesia merdeka jakarta bandung surabaya welcome letmein monkey dragon
master football sunshine princess baseball superman batman trustno1 login masuk selamat rahasia
ptsp satupintu test testing percobaan default changeme
""".split())
COMMON_PASSWORDS = frozenset("""
12345678 123456789 1234567890 11111111 00000000 87654321 12341234 qwerty123 password1 password123
abcd1234 1q2w3e4r 1qaz2wsx aa123456 iloveyou1 admin123 bismillah123 indonesia123
""".split())


def password_problem(password: str, *, personal: tuple[str, ...] = ()) -> str | None:
    """The Indonesian reason ``password`` is too weak, or None."""
    if len(password) < 8:
        return _("Kata sandi minimal 8 karakter.")
    if not re.search(r"[A-Z]", password):
        return _("Kata sandi harus berisi setidaknya satu huruf kapital (A–Z).")
    if not re.search(r"[a-z]", password):
        return _("Kata sandi harus berisi setidaknya satu huruf kecil (a–z).")
    lowered = password.lower()
    letters = re.sub(r"[\W\d_]", "", lowered)   # "Password123!" → "password", "qwerty123A" → "qwertya"
    near_common = any(len(base) >= 5 and len(letters) - len(base) <= 2
                      and (letters.startswith(base) or letters.endswith(base)) for base in COMMON_PASSWORD_BASES)
    if lowered in COMMON_PASSWORDS or letters in COMMON_PASSWORD_BASES or near_common or len(set(lowered)) < 4:
        return _("Kata sandi terlalu umum dan mudah ditebak. Gunakan gabungan kata yang tidak umum.")
    for value in personal:
        if value and len(value) >= 4 and value.lower() in lowered:
            return _("Kata sandi tidak boleh memuat NIK, email atau nama pengguna Anda.")
    return None


def passphrase_problem(passphrase: str, *, username: str = "", name: str = "") -> str | None:
    """The Indonesian reason ``passphrase`` is too weak for a signing key, or None."""
    if len(passphrase) < PASSPHRASE_MIN_LENGTH:
        return _("Passphrase minimal %(count)d karakter.", count=PASSPHRASE_MIN_LENGTH)
    lowered = passphrase.lower()
    letters = "".join(ch for ch in lowered if ch.isalpha())
    for value in (username, name):
        value = (value or "").strip().lower()
        if len(value) >= 4 and (value in lowered or lowered in value):
            return _("Passphrase tidak boleh memuat nama pengguna atau nama Anda.")
    remaining = letters   # "passwordpassword1", "Rahasia-Admin-2024": only common words with digits around
    for base in sorted(COMMON_PASSWORD_BASES, key=len, reverse=True):
        if len(base) >= 4:
            remaining = remaining.replace(base, "")
    if lowered in COMMON_PASSWORDS or len(remaining) < 4 or len(set(lowered)) < 5:
        return _("Passphrase terlalu umum dan mudah ditebak. Gunakan beberapa kata yang tidak umum.")
    return None
