"""Signatories' keys: EC P-256, the private key stored encrypted under the signatory's passphrase."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def create_signing_key(signatory, passphrase: str, *, organisation: str = "") -> None:
    """Give ``signatory`` a new key pair and a self-signed certificate (valid 5 years)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, signatory.name[:64]),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, (organisation or "SatuPintu")[:64]),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
    ])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=5 * 365))
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=False, crl_sign=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    signatory.certificate_pem = cert.public_bytes(serialization.Encoding.PEM)
    signatory.encrypted_key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase.encode()))


def unlock_private_key(signatory, passphrase: str):
    """The private key when ``passphrase`` opens it, else None."""
    if not signatory.encrypted_key_pem or not passphrase:
        return None
    try:
        return serialization.load_pem_private_key(signatory.encrypted_key_pem, password=passphrase.encode())
    except (ValueError, TypeError):
        return None
