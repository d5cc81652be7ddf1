"""PAdES signatures with pyHanko: sign with a signatory's unlocked key, check a signed PDF.

A signature embeds the signer's certificate and its issuers (the agency CA, or the chain of an
imported PKCS#12 file: app/documents/signing.py), so a verifier given the agency CA builds the chain. The
check here is offline: the trust roots are given (the agency CA; the certificate itself when none).
"""
from __future__ import annotations

import asyncio
import io
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation.pdf_embedded import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

log = logging.getLogger(__name__)
FIELD_NAME = "TTE"


def _run(make_coroutine):
    """Run pyHanko's coroutine to completion, also when this thread already has a running event
    loop (pyHanko's own sync wrappers call asyncio.run, which refuses then)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coroutine())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result()


def _certificate(certificate_pem: bytes) -> asn1_x509.Certificate:
    der = x509.load_pem_x509_certificate(certificate_pem).public_bytes(serialization.Encoding.DER)
    return asn1_x509.Certificate.load(der)


def sign_pdf(pdf: bytes, *, certificate_pem: bytes, private_key, signer_name: str, chain_pem=(),
             location: str = "", reason: str = "Dokumen ditandatangani secara elektronik") -> bytes:
    """``pdf`` with a PAdES B-B signature by ``private_key`` (a cryptography key object); the
    issuers' certificates ``chain_pem`` are embedded beside the signer's."""
    cert = _certificate(certificate_pem)
    key_der = private_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
    signer = signers.SimpleSigner(signing_cert=cert, signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
                                  cert_registry=SimpleCertificateStore.from_certs(
                                      [cert, *(_certificate(pem) for pem in chain_pem)]))
    meta = signers.PdfSignatureMetadata(field_name=FIELD_NAME, subfilter=fields.SigSeedSubFilter.PADES,
                                        md_algorithm="sha256", reason=reason, location=location or None,
                                        name=signer_name)
    out = _run(lambda: signers.async_sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer))
    return out.getvalue()


@dataclass
class SignatureCheck:
    present: bool
    intact: bool = False
    valid: bool = False
    signer: str = ""
    signed_at: object = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.present and self.intact and self.valid


def signing_certificate_of(pdf: bytes) -> bytes | None:
    """The PEM certificate that made the last signature of ``pdf`` (None when unreadable/unsigned)."""
    try:
        signatures = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
        if not signatures:
            return None
        der = signatures[-1].signer_cert.dump()
    except Exception:  # a damaged file has no signer
        return None
    return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)


def check_signature(pdf: bytes, certificate_pem: bytes | None, trust_roots=None) -> SignatureCheck:
    """Is the (last) signature of ``pdf`` intact, made by the holder of ``certificate_pem``, and
    covering the whole file (nothing appended after signing)? The chain is validated to
    ``trust_roots`` (PEM certificates; default: the signer's certificate itself)."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception as error:  # a damaged file is an answer, not a crash
        return SignatureCheck(present=False, problem=f"berkas PDF rusak: {error}")
    if not signatures:
        return SignatureCheck(present=False, problem="tidak ada tanda tangan elektronik")
    if not certificate_pem:
        return SignatureCheck(present=True, problem="sertifikat penandatangan tidak tersedia")
    cert = _certificate(certificate_pem)
    roots = [_certificate(pem) for pem in trust_roots] if trust_roots else [cert]
    signature = signatures[-1]
    try:
        status = _run(lambda: async_validate_pdf_signature(
            signature, ValidationContext(trust_roots=roots, allow_fetching=False)))
    except Exception as error:
        return SignatureCheck(present=True, problem=f"tanda tangan tidak dapat diperiksa: {error}")
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    same_signer = status.signing_cert is not None and status.signing_cert.dump() == cert.dump()
    # valid: the signature's mathematics; trusted: a chain from the signer to one of the roots
    valid = bool(status.valid) and bool(status.trusted) and same_signer
    return SignatureCheck(present=True, intact=bool(status.intact) and whole, valid=valid,
                          signer=status.signing_cert.subject.human_friendly if status.signing_cert else "",
                          signed_at=getattr(status, "signer_reported_dt", None),
                          problem="" if (status.intact and whole and valid)
                          else "tanda tangan tidak utuh atau bukan milik penandatangan")
