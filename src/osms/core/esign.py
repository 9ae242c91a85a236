"""Electronically signed documents: canonical JSON, detached CMS signatures, the trust store.

A signer (a provider's manager with an NCA RK key, through NCALayer or any CMS library) signs the
**canonical JSON** of a document (:func:`canonical_json`) and sends the document together with a
**detached CMS (PKCS#7) SignedData** over those bytes (DER, PEM or base64). :func:`verify_signed_json`
answers a :class:`SignedBy` (who signed, with which certificate, for the audit log) or raises
:class:`SignatureRefused` with a stable code and a kk/ru/en sentence (:data:`REFUSALS`).

What is checked, in this order (the first failure is the answer):

1. the signature is a readable SignedData with exactly one signer whose certificate it carries
   (``malformed_signature``);
2. its digest and signature algorithms are SHA-2 with RSA (PKCS#1 v1.5 or PSS) or ECDSA; GOST
   (the national algorithm of most NCA RK keys) and anything else: ``unsupported_algorithm``;
3. the signature covers exactly the canonical bytes (``signature_mismatch``);
4. the certificate chains to a certificate of the trust store (``OSMS_TRUST_STORE``) through CA
   certificates, every link's signature checked (``untrusted_certificate``), and is not on a
   certificate revocation list kept in the store (``certificate_revoked``);
5. every certificate of the chain is valid at the moment of signing (``certificate_expired``,
   ``certificate_not_yet_valid``);
6. the signer's key usage includes digital signature (``wrong_key_usage``);
7. the certificate's subject names the expected BIN (``signer_not_applicant``).

The module knows no room: a room passes the document, the signature and the BIN the signer must
represent. See docs/providers.md ("Signed applications"), docs/security.md and
docs/decisions/0012-signed-applications.md.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from osms.core.config import LANGUAGES, get_settings
from osms.core.errors import InvalidInput, OsmsError
from osms.core.i18n import N_, gettext

# --- Canonical JSON ---------------------------------------------------------------------------

#: The largest integer the canonical form carries (I-JSON, RFC 7493: exact in every language).
MAX_SAFE_INTEGER: Final = 2**53 - 1
_ESCAPES: Final = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_MUST_ESCAPE: Final = re.compile(r'["\\\x00-\x1f]')

NOT_CANONICAL = N_(
    "The document cannot be signed as canonical JSON: only objects with text keys, arrays, text, "
    "whole numbers up to 2^53-1, true, false and null are allowed; write amounts as text."
)


class NotCanonical(InvalidInput):
    """The document holds a value the canonical form does not carry (a fraction, a huge integer...)."""

    code = "not_canonical_json"

    def __init__(self, detail: str) -> None:
        super().__init__(f"{NOT_CANONICAL} ({detail})")
        self.detail = detail


def canonical_json(value: object) -> bytes:
    """The canonical bytes of a JSON value: the subset of RFC 8785 (JCS) without fractions.

    UTF-8; no whitespace; object members sorted by their keys' UTF-16 code units; strings with
    only ``"`` ``\\`` and U+0000–U+001F escaped (``\\b \\f \\n \\r \\t``, else ``\\u00xx``
    lower-case); integers as plain decimal digits within ±(2^53−1); ``true``, ``false``, ``null``.
    A float, ``Decimal``, a non-text key or a lone surrogate raises :class:`NotCanonical`, so an
    amount travels as text (``"125000000.00"``) and every language reproduces the same bytes.
    """
    parts: list[str] = []
    _emit(value, parts, "$")
    try:
        return "".join(parts).encode("utf-8")
    except UnicodeEncodeError:
        raise NotCanonical("a text holds a lone surrogate, which is not Unicode text") from None


def _emit(value: object, parts: list[str], where: str) -> None:
    if value is None:
        parts.append("null")
    elif value is True:
        parts.append("true")
    elif value is False:
        parts.append("false")
    elif isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise NotCanonical(f"{where}: the integer {value} is beyond ±(2^53-1)")
        parts.append(str(int(value)))
    elif isinstance(value, str):
        parts.append(_quote(value))
    elif isinstance(value, Mapping):
        keys = list(value)
        for key in keys:
            if not isinstance(key, str):
                raise NotCanonical(f"{where}: the key {key!r} is not text")
        parts.append("{")
        for n, key in enumerate(sorted(keys, key=lambda k: k.encode("utf-16-be", "surrogatepass"))):
            if n:
                parts.append(",")
            parts.append(_quote(key))
            parts.append(":")
            _emit(value[key], parts, f"{where}.{key}")
        parts.append("}")
    elif isinstance(value, list | tuple):
        parts.append("[")
        for n, item in enumerate(value):
            if n:
                parts.append(",")
            _emit(item, parts, f"{where}[{n}]")
        parts.append("]")
    else:
        kind = "a fraction (write it as text)" if isinstance(value, float) else type(value).__name__
        raise NotCanonical(f"{where}: {kind} is not allowed")


def _quote(text: str) -> str:
    return '"' + _MUST_ESCAPE.sub(lambda m: _ESCAPES.get(m.group(), f"\\u{ord(m.group()):04x}"), text) + '"'


# --- Refusals ---------------------------------------------------------------------------------

#: Every refusal of a signature: its stable code and its sentence (English msgid, kk/ru in the catalogs).
REFUSALS: Final = {
    "malformed_signature": N_(
        "The signature cannot be read: send a CMS (PKCS#7) SignedData in DER, PEM or base64 with one "
        "signer and the signer's certificate."
    ),
    "unsupported_algorithm": N_(
        "The signature uses an algorithm this system cannot check (GOST keys are not supported yet); "
        "sign with an RSA or ECDSA key and SHA-256, SHA-384 or SHA-512."
    ),
    "signature_mismatch": N_(
        "The signature does not match the document: the signed bytes differ from its canonical JSON."
    ),
    "untrusted_certificate": N_(
        "The signer's certificate was not issued by a certification authority the fund trusts."
    ),
    "certificate_revoked": N_("The signer's certificate has been revoked by its certification authority."),
    "certificate_expired": N_("The signer's certificate had expired when the document was signed."),
    "certificate_not_yet_valid": N_("The signer's certificate was not yet valid when the document was signed."),
    "wrong_key_usage": N_("The signer's certificate is not meant for signing: its key usage lacks digital signature."),
    "signer_not_applicant": N_(
        "The certificate was issued to someone else: the BIN in its subject is not the applicant's BIN."
    ),
}


class SignatureRefused(OsmsError):
    """A signature that does not prove the document came unchanged from the applicant.

    ``code`` is one of :data:`REFUSALS`; ``detail`` says what exactly (technical English, for the
    log and the support desk); :meth:`reason` is the house's ``{"code", "message": {kk, ru, en}}``.
    """

    status = 422

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{REFUSALS[code]} ({detail})", code=code)
        self.detail = detail

    def messages(self) -> dict[str, str]:
        return {lang: gettext(lang, REFUSALS[self.code]) for lang in LANGUAGES}

    def reason(self) -> dict[str, object]:
        return {"code": self.code, "message": self.messages(), "detail": self.detail}


class TrustStoreUnavailable(OsmsError):
    """``OSMS_TRUST_STORE`` is not set or cannot be read: no signature can be checked (a setup fault)."""

    status = 503
    code = "trust_store_unavailable"


# --- The trust store --------------------------------------------------------------------------

_CERT_SUFFIXES: Final = {".pem", ".crt", ".cer", ".der"}
_CRL_SUFFIXES: Final = {".crl"}


@dataclass(frozen=True)
class TrustStore:
    """The certification authorities the fund trusts (the national CA's root and issuing
    certificates) and the revocation lists it has been given for them."""

    certificates: tuple[x509.Certificate, ...]
    crls: tuple[x509.CertificateRevocationList, ...] = ()

    @classmethod
    def from_path(cls, path: str | Path) -> TrustStore:
        """A directory (every ``*.pem``, ``*.crt``, ``*.cer``, ``*.der`` certificate and ``*.crl``
        list in it) or one PEM bundle file. Raises :class:`TrustStoreUnavailable`."""
        where = Path(path)
        if where.is_dir():
            files = sorted(p for p in where.iterdir() if p.suffix.lower() in _CERT_SUFFIXES | _CRL_SUFFIXES)
        elif where.is_file():
            files = [where]
        else:
            raise TrustStoreUnavailable(f"the trust store {where} is neither a directory nor a file")
        certificates: list[x509.Certificate] = []
        crls: list[x509.CertificateRevocationList] = []
        for file in files:
            try:
                data = file.read_bytes()
                if file.suffix.lower() in _CRL_SUFFIXES:
                    pem = b"-----BEGIN X509 CRL" in data
                    crls.append(x509.load_pem_x509_crl(data) if pem else x509.load_der_x509_crl(data))
                elif b"-----BEGIN" in data:
                    certificates.extend(x509.load_pem_x509_certificates(data))
                else:
                    certificates.append(x509.load_der_x509_certificate(data))
            except (OSError, ValueError, x509.InvalidVersion) as exc:
                raise TrustStoreUnavailable(f"the trust store file {file} cannot be read: {exc}") from None
        if not certificates:
            raise TrustStoreUnavailable(f"the trust store {where} holds no certificate")
        return cls(tuple(certificates), tuple(crls))

    def fingerprints(self) -> frozenset[bytes]:
        return frozenset(c.fingerprint(hashes.SHA256()) for c in self.certificates)


@lru_cache(maxsize=4)
def _store_at(path: str) -> TrustStore:
    return TrustStore.from_path(path)


def configured_trust_store() -> TrustStore:
    """The trust store of ``OSMS_TRUST_STORE``, read once per process (restart after changing it)."""
    path = get_settings().trust_store
    if not path:
        raise TrustStoreUnavailable("OSMS_TRUST_STORE is not set: no electronic signature can be checked")
    return _store_at(path)


# --- A small DER reader (CMS needs no more) ---------------------------------------------------


class _Malformed(Exception):
    pass


@dataclass(frozen=True)
class _Tlv:
    tag: int
    raw: bytes
    content: bytes

    def children(self) -> list[_Tlv]:
        items, pos = [], 0
        while pos < len(self.content):
            item, pos = _read(self.content, pos)
            items.append(item)
        return items


def _read(data: bytes, pos: int) -> tuple[_Tlv, int]:
    if pos + 2 > len(data):
        raise _Malformed("truncated DER")
    tag, first = data[pos], data[pos + 1]
    if tag & 0x1F == 0x1F:
        raise _Malformed("high tag number")
    start = pos + 2
    if first < 0x80:
        length = first
    elif first == 0x80:
        raise _Malformed("indefinite length (BER): send DER")
    else:
        count = first & 0x7F
        if count > 4 or start + count > len(data):
            raise _Malformed("bad length")
        length = int.from_bytes(data[start : start + count], "big")
        start += count
    end = start + length
    if end > len(data):
        raise _Malformed("truncated DER")
    return _Tlv(tag, data[pos:end], data[start:end]), end


def _one(data: bytes) -> _Tlv:
    item, end = _read(data, 0)
    if end != len(data):
        raise _Malformed("trailing bytes after the SignedData")
    return item


def _expect(item: _Tlv, tag: int, what: str) -> _Tlv:
    if item.tag != tag:
        raise _Malformed(f"{what}: tag 0x{item.tag:02x}, expected 0x{tag:02x}")
    return item


def _oid(item: _Tlv) -> str:
    body = _expect(item, 0x06, "object identifier").content
    if not body or body[-1] & 0x80:
        raise _Malformed("truncated object identifier")
    arcs, value = [], 0
    for byte in body:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in (first, arcs[0] - 40 * first, *arcs[1:]))


def _algorithm(item: _Tlv) -> tuple[str, list[_Tlv]]:
    parts = _expect(item, 0x30, "algorithm").children()
    if not parts:
        raise _Malformed("empty algorithm identifier")
    return _oid(parts[0]), parts[1:]


# --- Algorithms -------------------------------------------------------------------------------

_DIGESTS: Final[dict[str, type[hashes.HashAlgorithm]]] = {
    "2.16.840.1.101.3.4.2.1": hashes.SHA256,
    "2.16.840.1.101.3.4.2.2": hashes.SHA384,
    "2.16.840.1.101.3.4.2.3": hashes.SHA512,
}
_RSA: Final = "1.2.840.113549.1.1.1"
_RSA_PSS: Final = "1.2.840.113549.1.1.10"
_MGF1: Final = "1.2.840.113549.1.1.8"
_RSA_WITH: Final = {
    "1.2.840.113549.1.1.11": "sha256",
    "1.2.840.113549.1.1.12": "sha384",
    "1.2.840.113549.1.1.13": "sha512",
}
_EC_PUBLIC_KEY: Final = "1.2.840.10045.2.1"
_ECDSA_WITH: Final = {"1.2.840.10045.4.3.2": "sha256", "1.2.840.10045.4.3.3": "sha384", "1.2.840.10045.4.3.4": "sha512"}
#: Object identifier arcs of GOST: Kazakhstan's GOST 34.310/34.311 (NCA RK) and GOST R 34.10/34.11.
_GOST_ARCS: Final = ("1.2.398.3.10.", "1.2.643.")

_SIGNED_DATA: Final = "1.2.840.113549.1.7.2"
_DATA: Final = "1.2.840.113549.1.7.1"
_CONTENT_TYPE: Final = "1.2.840.113549.1.9.3"
_MESSAGE_DIGEST: Final = "1.2.840.113549.1.9.4"
_SIGNING_TIME: Final = "1.2.840.113549.1.9.5"


def _unsupported(kind: str, oid: str) -> SignatureRefused:
    gost = " (GOST)" if oid.startswith(_GOST_ARCS) else ""
    return SignatureRefused("unsupported_algorithm", f"{kind} {oid}{gost}")


def _digest(oid: str) -> hashes.HashAlgorithm:
    if oid not in _DIGESTS:
        raise _unsupported("digest algorithm", oid)
    return _DIGESTS[oid]()


# --- Reading the SignedData -------------------------------------------------------------------

MAX_SIGNATURE_BYTES: Final = 256 * 1024


@dataclass(frozen=True)
class _SignerInfo:
    certificate: x509.Certificate
    digest: hashes.HashAlgorithm
    signature_oid: str
    signature_params: list[_Tlv]
    signature: bytes
    signed_attrs: _Tlv | None
    certificates: list[x509.Certificate]
    content: bytes | None


def signature_bytes(signature: bytes | str) -> bytes:
    """The DER of a signature sent as DER, PEM (``PKCS7``/``CMS``) or base64 (NCALayer's answer)."""
    if len(signature) > 2 * MAX_SIGNATURE_BYTES:
        raise SignatureRefused("malformed_signature", f"longer than {MAX_SIGNATURE_BYTES} bytes")
    if isinstance(signature, bytes) and signature[:1] == b"\x30":
        return signature
    try:
        text = signature.decode("ascii") if isinstance(signature, bytes) else signature
        if "-----BEGIN" in text:
            text = "".join(line for line in text.splitlines() if not line.startswith("-----"))
        der = base64.b64decode("".join(text.split()), validate=True)
    except (UnicodeDecodeError, binascii.Error, ValueError):
        raise SignatureRefused("malformed_signature", "neither DER nor PEM nor base64") from None
    if not der:
        raise SignatureRefused("malformed_signature", "the signature is empty")
    return der


def _parse(der: bytes) -> _SignerInfo:
    if len(der) > MAX_SIGNATURE_BYTES:
        raise _Malformed(f"longer than {MAX_SIGNATURE_BYTES} bytes")
    info = _expect(_one(der), 0x30, "ContentInfo").children()
    if len(info) != 2 or _oid(info[0]) != _SIGNED_DATA:
        raise _Malformed("not a CMS SignedData")
    (signed,) = _expect(info[1], 0xA0, "content").children()
    parts = _expect(signed, 0x30, "SignedData").children()
    if len(parts) < 4:
        raise _Malformed("SignedData too short")
    encap = _expect(parts[2], 0x30, "encapContentInfo").children()
    if not encap or _oid(encap[0]) != _DATA:
        raise _Malformed("the signed content is not plain data")
    content = None
    if len(encap) > 1:
        (octets,) = _expect(encap[1], 0xA0, "eContent").children()
        content = _expect(octets, 0x04, "eContent").content
    certificates: list[x509.Certificate] = []
    for extra in parts[3:-1]:
        if extra.tag == 0xA0:
            for cert in extra.children():
                if cert.tag == 0x30:
                    certificates.append(x509.load_der_x509_certificate(cert.raw))
    signer_infos = _expect(parts[-1], 0x31, "signerInfos").children()
    if len(signer_infos) != 1:
        raise _Malformed(f"{len(signer_infos)} signers; exactly one is expected")
    fields = _expect(signer_infos[0], 0x30, "SignerInfo").children()
    if len(fields) < 5:
        raise _Malformed("SignerInfo too short")
    certificate = _signer_certificate(fields[1], certificates)
    digest_oid, _ = _algorithm(fields[2])
    rest = fields[3:]
    signed_attrs = rest.pop(0) if rest[0].tag == 0xA0 else None
    if len(rest) < 2:
        raise _Malformed("SignerInfo lacks its signature")
    signature_oid, signature_params = _algorithm(rest[0])
    signature = _expect(rest[1], 0x04, "signature").content
    return _SignerInfo(
        certificate=certificate,
        digest=_digest(digest_oid),
        signature_oid=signature_oid,
        signature_params=signature_params,
        signature=signature,
        signed_attrs=signed_attrs,
        certificates=certificates,
        content=content,
    )


def _signer_certificate(sid: _Tlv, certificates: list[x509.Certificate]) -> x509.Certificate:
    if sid.tag == 0x30:  # issuerAndSerialNumber
        issuer, serial = sid.children()
        number = int.from_bytes(_expect(serial, 0x02, "serial number").content, "big", signed=True)
        for cert in certificates:
            if cert.serial_number == number and cert.issuer.public_bytes() == issuer.raw:
                return cert
    elif sid.tag == 0x80:  # subjectKeyIdentifier
        for cert in certificates:
            try:
                ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
            except x509.ExtensionNotFound:
                continue
            if ski == sid.content:
                return cert
    raise _Malformed("the signer's certificate is not in the SignedData")


def _signed_attributes(attrs: _Tlv) -> dict[str, _Tlv]:
    found: dict[str, _Tlv] = {}
    for attr in attrs.children():
        oid_item, values = _expect(attr, 0x30, "attribute").children()
        oid = _oid(oid_item)
        members = _expect(values, 0x31, "attribute values").children()
        if oid in found or len(members) != 1:
            raise _Malformed(f"the signed attribute {oid} must occur once with one value")
        found[oid] = members[0]
    return found


def _time(item: _Tlv) -> datetime:
    text = item.content.decode("ascii")
    if item.tag == 0x17:  # UTCTime YYMMDDHHMMSSZ
        moment = datetime.strptime(text, "%y%m%d%H%M%SZ")
    elif item.tag == 0x18:  # GeneralizedTime
        moment = datetime.strptime(text.split(".")[0].rstrip("Z"), "%Y%m%d%H%M%S")
    else:
        raise _Malformed("the signing time is not a time")
    return moment.replace(tzinfo=UTC)


# --- Verification -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SignedBy:
    """Who signed, with which certificate: what the audit log keeps of a verified signature."""

    subject: str  # the certificate's subject, RFC 4514 (``CN=…,SERIALNUMBER=IIN…,OU=BIN…``)
    issuer: str
    bin: str | None  # the organisation the signer acts for (``OU=BIN…`` or ``NTRKZ-…``)
    iin: str | None  # the signer as a person (``SERIALNUMBER=IIN…``)
    serial: str  # the certificate's serial number, upper-case hex
    fingerprint: str  # SHA-256 of the certificate's DER, lower-case hex
    signing_time: datetime | None  # as the signer's software claimed it (a signed attribute), UTC
    digest_algorithm: str  # sha256 | sha384 | sha512
    signature_algorithm: str  # rsa-pkcs1v15 | rsa-pss | ecdsa
    content_sha256: str  # SHA-256 of the canonical bytes that were signed
    verified_at: datetime  # the moment the certificates were checked at

    def audit_detail(self) -> str:
        """One line for the audit log."""
        when = self.signing_time.isoformat() if self.signing_time else "-"
        return (
            f"signed by {self.subject}; bin={self.bin or '-'} iin={self.iin or '-'}; "
            f"certificate serial={self.serial} sha256={self.fingerprint}; issuer {self.issuer}; "
            f"signing time {when}; {self.signature_algorithm}/{self.digest_algorithm}; "
            f"content sha256={self.content_sha256}"
        )


def verify_signed_json(
    document: object,
    signature: bytes | str,
    *,
    expected_bin: str,
    at: datetime,
    trust: TrustStore | None = None,
) -> SignedBy:
    """Verify a detached signature over ``canonical_json(document)`` by someone acting for ``expected_bin``.

    ``at`` is the moment of signing the fund accepts (the moment the document was received; the
    signer's own signing-time attribute is recorded, not trusted). ``trust`` defaults to
    ``OSMS_TRUST_STORE``. Raises :class:`NotCanonical`, :class:`SignatureRefused` or
    :class:`TrustStoreUnavailable`.
    """
    return verify_detached(canonical_json(document), signature, expected_bin=expected_bin, at=at, trust=trust)


def verify_detached(
    content: bytes,
    signature: bytes | str,
    *,
    expected_bin: str,
    at: datetime,
    trust: TrustStore | None = None,
) -> SignedBy:
    """Verify a CMS signature over exactly ``content`` (see the module's docstring for the checks)."""
    if at.tzinfo is None:
        raise ValueError("verify_detached needs an aware instant")
    store = trust if trust is not None else configured_trust_store()
    der = signature_bytes(signature)
    try:
        signer = _parse(der)
        signing_time, signed_bytes = _signed_bytes(signer, content)
        algorithm = _check_signature(signer, signed_bytes)
        chain = _chain(signer.certificate, signer.certificates, store, at)
        _check_validity(chain, at)
        _check_key_usage(signer.certificate)
        bin_, iin = subject_ids(signer.certificate)
    except UnsupportedAlgorithm as exc:
        raise SignatureRefused("unsupported_algorithm", str(exc)) from None
    except (_Malformed, ValueError, TypeError, UnicodeDecodeError, x509.InvalidVersion) as exc:
        # A structure the reader or `cryptography` cannot parse (a broken name or extension too).
        raise SignatureRefused("malformed_signature", str(exc) or type(exc).__name__) from None
    _check_applicant(bin_, iin, expected_bin)
    cert = signer.certificate
    return SignedBy(
        subject=cert.subject.rfc4514_string(_DN_NAMES),
        issuer=cert.issuer.rfc4514_string(_DN_NAMES),
        bin=bin_,
        iin=iin,
        serial=f"{cert.serial_number:X}",
        fingerprint=cert.fingerprint(hashes.SHA256()).hex(),
        signing_time=signing_time,
        digest_algorithm=signer.digest.name,
        signature_algorithm=algorithm,
        content_sha256=hashlib.sha256(content).hexdigest(),
        verified_at=at,
    )


def _signed_bytes(signer: _SignerInfo, content: bytes) -> tuple[datetime | None, bytes]:
    """The signing time (if given) and the bytes the signature is over, after checking the content."""
    if signer.content is not None and signer.content != content:
        raise SignatureRefused("signature_mismatch", "the content inside the SignedData is not the document")
    if signer.signed_attrs is None:
        return None, content
    attrs = _signed_attributes(signer.signed_attrs)
    if _CONTENT_TYPE not in attrs or _MESSAGE_DIGEST not in attrs:
        raise _Malformed("the signed attributes lack the content type or the message digest")
    if _oid(attrs[_CONTENT_TYPE]) != _DATA:
        raise _Malformed("the signed content type is not plain data")
    digest = hashes.Hash(signer.digest)
    digest.update(content)
    if _expect(attrs[_MESSAGE_DIGEST], 0x04, "message digest").content != digest.finalize():
        raise SignatureRefused("signature_mismatch", "the message digest is not the document's")
    signing_time = _time(attrs[_SIGNING_TIME]) if _SIGNING_TIME in attrs else None
    # The signature covers the DER of the attributes as a SET OF (RFC 5652 §5.4), not as [0].
    return signing_time, b"\x31" + signer.signed_attrs.raw[1:]


def _check_signature(signer: _SignerInfo, data: bytes) -> str:
    oid, digest = signer.signature_oid, signer.digest
    try:
        key = signer.certificate.public_key()
    except UnsupportedAlgorithm:
        raise _unsupported("public key of", signer.certificate.public_key_algorithm_oid.dotted_string) from None
    try:
        if oid == _RSA or oid in _RSA_WITH:
            if oid in _RSA_WITH and _RSA_WITH[oid] != digest.name:
                raise SignatureRefused("malformed_signature", f"{oid} does not fit the digest {digest.name}")
            if not isinstance(key, rsa.RSAPublicKey):
                raise SignatureRefused("malformed_signature", "an RSA signature by a key that is not RSA")
            key.verify(signer.signature, data, padding.PKCS1v15(), digest)
            return "rsa-pkcs1v15"
        if oid == _RSA_PSS:
            if not isinstance(key, rsa.RSAPublicKey):
                raise SignatureRefused("malformed_signature", "an RSA-PSS signature by a key that is not RSA")
            key.verify(signer.signature, data, _pss(signer.signature_params, digest), digest)
            return "rsa-pss"
        if oid == _EC_PUBLIC_KEY or oid in _ECDSA_WITH:
            if oid in _ECDSA_WITH and _ECDSA_WITH[oid] != digest.name:
                raise SignatureRefused("malformed_signature", f"{oid} does not fit the digest {digest.name}")
            if not isinstance(key, ec.EllipticCurvePublicKey):
                raise SignatureRefused("malformed_signature", "an ECDSA signature by a key that is not EC")
            key.verify(signer.signature, data, ec.ECDSA(digest))
            return "ecdsa"
    except InvalidSignature:
        raise SignatureRefused("signature_mismatch", "the signature does not verify over the signed bytes") from None
    raise _unsupported("signature algorithm", oid)


def _pss(params: list[_Tlv], digest: hashes.HashAlgorithm) -> padding.PSS:
    """RSASSA-PSS parameters (RFC 4055): the hash and MGF1's hash must be the digest; salt as given."""
    try:
        fields = {item.tag: item.children()[0] for item in _expect(params[0], 0x30, "PSS parameters").children()}
        hash_oid, _ = _algorithm(fields[0xA0])
        mgf_oid, mgf_params = _algorithm(fields[0xA1])
        mgf_hash, _ = _algorithm(mgf_params[0])
        salt = int.from_bytes(_expect(fields[0xA2], 0x02, "salt length").content, "big") if 0xA2 in fields else 20
    except (IndexError, KeyError, _Malformed):
        detail = "RSA-PSS with SHA-1 defaults or unreadable parameters"
        raise SignatureRefused("unsupported_algorithm", detail) from None
    if mgf_oid != _MGF1 or _DIGESTS.get(hash_oid) is not type(digest) or _DIGESTS.get(mgf_hash) is not type(digest):
        raise SignatureRefused("unsupported_algorithm", "RSA-PSS whose hashes are not the digest algorithm")
    return padding.PSS(mgf=padding.MGF1(digest), salt_length=salt)


# --- The certificate chain --------------------------------------------------------------------

MAX_CHAIN: Final = 6


def _chain(
    leaf: x509.Certificate, carried: Sequence[x509.Certificate], store: TrustStore, at: datetime
) -> list[x509.Certificate]:
    """The path leaf → … → a certificate of the store, each link's signature and CA rights checked."""
    anchors = store.fingerprints()
    pool = [*store.certificates, *carried]
    unsupported: list[str] = []

    def extend(path: list[x509.Certificate]) -> list[x509.Certificate] | None:
        current = path[-1]
        if current.fingerprint(hashes.SHA256()) in anchors:
            return path
        if len(path) > MAX_CHAIN:
            return None
        seen = {c.fingerprint(hashes.SHA256()) for c in path}
        for issuer in pool:
            if issuer.subject != current.issuer or issuer.fingerprint(hashes.SHA256()) in seen:
                continue
            if not _may_issue(issuer, intermediates_below=len(path) - 1):
                continue
            try:
                current.verify_directly_issued_by(issuer)
            except UnsupportedAlgorithm:
                unsupported.append(current.signature_algorithm_oid.dotted_string)
                continue
            except (ValueError, TypeError, InvalidSignature):
                continue
            found = extend([*path, issuer])
            if found is not None:
                return found
        return None

    chain = extend([leaf])
    if chain is None:
        if unsupported:
            raise _unsupported("certificate signature algorithm", unsupported[0])
        detail = f"no path from {leaf.issuer.rfc4514_string()} to the trust store"
        raise SignatureRefused("untrusted_certificate", detail)
    for cert in chain:
        _refuse_unknown_critical(cert)
    _check_revocation(chain, store, at)
    return chain


def _may_issue(issuer: x509.Certificate, *, intermediates_below: int) -> bool:
    try:
        basic = issuer.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return False
    if not basic.ca or (basic.path_length is not None and intermediates_below > basic.path_length):
        return False
    try:
        return issuer.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
    except x509.ExtensionNotFound:
        return True


def _refuse_unknown_critical(cert: x509.Certificate) -> None:
    for extension in cert.extensions:
        if extension.critical and isinstance(extension.value, x509.UnrecognizedExtension):
            detail = f"{cert.subject.rfc4514_string()} has the unknown critical extension {extension.oid.dotted_string}"
            raise SignatureRefused("untrusted_certificate", detail)


def _check_revocation(chain: list[x509.Certificate], store: TrustStore, at: datetime) -> None:
    """A certificate on a revocation list of the store, signed by its issuer, revoked before ``at``."""
    for cert, issuer in zip(chain, chain[1:], strict=False):
        for crl in store.crls:
            if crl.issuer != issuer.subject or not _crl_signed_by(crl, issuer):
                continue
            entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
            if entry is not None and entry.revocation_date_utc <= at:
                raise SignatureRefused(
                    "certificate_revoked",
                    f"serial {cert.serial_number:X} revoked on {entry.revocation_date_utc.isoformat()}",
                )


def _crl_signed_by(crl: x509.CertificateRevocationList, issuer: x509.Certificate) -> bool:
    key = issuer.public_key()
    return isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey) and crl.is_signature_valid(key)


def _check_validity(chain: Iterable[x509.Certificate], at: datetime) -> None:
    for n, cert in enumerate(chain):
        whose = "the signer's certificate" if n == 0 else f"the CA certificate {cert.subject.rfc4514_string()}"
        if at < cert.not_valid_before_utc:
            raise SignatureRefused(
                "certificate_not_yet_valid", f"{whose} is valid from {cert.not_valid_before_utc.isoformat()}"
            )
        if at > cert.not_valid_after_utc:
            detail = f"{whose} was valid until {cert.not_valid_after_utc.isoformat()}"
            raise SignatureRefused("certificate_expired", detail)


def _check_key_usage(cert: x509.Certificate) -> None:
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        raise SignatureRefused("wrong_key_usage", "the certificate has no key usage") from None
    if not usage.digital_signature:
        raise SignatureRefused("wrong_key_usage", "the key usage lacks digitalSignature")


# --- Who the certificate names ----------------------------------------------------------------

#: Names of the NCA RK subject's attributes that RFC 4514 leaves as numbers, as Kazakh software writes them.
_DN_NAMES: Final = {
    NameOID.SERIAL_NUMBER: "SERIALNUMBER",
    NameOID.SURNAME: "SURNAME",
    NameOID.GIVEN_NAME: "GIVENNAME",
    NameOID.ORGANIZATION_IDENTIFIER: "organizationIdentifier",
}
_IIN_IN_SERIAL: Final = re.compile(r"IIN(\d{12})")
_BIN_IN_OU: Final = re.compile(r"BIN(\d{12})")
_BIN_IN_ORG_ID: Final = re.compile(r"NTRKZ-(\d{12})")


def subject_ids(cert: x509.Certificate) -> tuple[str | None, str | None]:
    """``(BIN, IIN)`` named by the certificate's subject in the NCA RK profile.

    The person: ``serialNumber`` (2.5.4.5) ``IIN`` + 12 digits. The organisation a legal entity's
    certificate is issued for: ``OU`` (2.5.4.11) ``BIN`` + 12 digits, or ``organizationIdentifier``
    (2.5.4.97) ``NTRKZ-`` + 12 digits (ETSI EN 319 412-1). Two different BINs in one subject are
    refused (``signer_not_applicant``): such a certificate names no one organisation.
    """
    subject = cert.subject

    def matches(oid: x509.ObjectIdentifier, pattern: re.Pattern[str]) -> set[str]:
        values = (a.value for a in subject.get_attributes_for_oid(oid))
        return {m.group(1) for v in values if isinstance(v, str) and (m := pattern.fullmatch(v))}

    iins = matches(NameOID.SERIAL_NUMBER, _IIN_IN_SERIAL)
    bins = matches(NameOID.ORGANIZATIONAL_UNIT_NAME, _BIN_IN_OU)
    bins |= matches(NameOID.ORGANIZATION_IDENTIFIER, _BIN_IN_ORG_ID)
    if len(bins) > 1:
        raise SignatureRefused("signer_not_applicant", f"the subject names several BINs: {', '.join(sorted(bins))}")
    return (bins.pop() if bins else None), (iins.pop() if len(iins) == 1 else None)


def _check_applicant(bin_: str | None, iin: str | None, expected_bin: str) -> None:
    """A legal entity's certificate must carry the applicant's BIN; a person's certificate (no BIN)
    stands for an individual entrepreneur, whose identification number is the person's IIN."""
    if bin_ is not None and bin_ == expected_bin:
        return
    if bin_ is None and iin is not None and iin == expected_bin:
        return
    named = f"BIN {bin_}" if bin_ else (f"IIN {iin}" if iin else "no BIN or IIN")
    raise SignatureRefused("signer_not_applicant", f"the certificate names {named}, the applicant is {expected_bin}")
