"""Verification of signed documents against a real test CA (docs/providers.md, "Signed applications").

The CA, its certificates and the CMS signatures are made here with ``cryptography``
(``osms.core.esign_testca``), as a signer's software makes them: nothing is mocked.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from osms.core.config import get_settings
from osms.core.esign import (
    REFUSALS,
    SignatureRefused,
    TrustStore,
    TrustStoreUnavailable,
    canonical_json,
    configured_trust_store,
    verify_detached,
    verify_signed_json,
)
from osms.core.esign_testca import DemoCA, Signer, nca_subject, sign_detached

BIN = "123456789021"  # the applicant provider's BIN
OTHER_BIN = "987654321098"
IIN = "123456789011"  # the manager who signs for it
AT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)  # the moment the application arrives
APPLICATION = {
    "announcement_id": "PROC-2027-ALM",
    "application_id": "APP-2027-0001",
    "provider_id": "P-ALM-0001",
    "bin": BIN,
    "care_type": "phc",
    "region": "ALM",
    "volume": 12000,
    "sum": "125000000.00",
    "submitted": "2026-11-20",
}


def day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


MANAGER = nca_subject(surname="ТЕСТОВ", given="ТЕСТ", iin=IIN, bin_=BIN, organization='ТОО "Емхана"')
YEAR = {"not_before": day("2026-01-01"), "not_after": day("2027-01-01")}


@dataclass(frozen=True)
class Pki:
    root: DemoCA
    impostor: DemoCA  # the same name as the root, another key: not the fund's CA
    store: TrustStore
    ec: Signer
    rsa: Signer
    expired: Signer
    not_yet: Signer
    auth_only: Signer
    other_org: Signer
    person: Signer  # an individual entrepreneur's own certificate: IIN only


@cache
def pki() -> Pki:
    root = DemoCA.create("OSMS TEST ROOT CA", not_before=day("2025-01-01"), not_after=day("2035-01-01"))
    impostor = DemoCA.create("OSMS TEST ROOT CA", not_before=day("2025-01-01"), not_after=day("2035-01-01"))
    return Pki(
        root=root,
        impostor=impostor,
        store=TrustStore((root.certificate,)),
        ec=root.issue(MANAGER, **YEAR),
        rsa=root.issue(MANAGER, key="rsa", **YEAR),
        expired=root.issue(MANAGER, not_before=day("2025-06-01"), not_after=day("2026-06-01")),
        not_yet=root.issue(MANAGER, not_before=day("2026-12-01"), not_after=day("2027-12-01")),
        auth_only=root.issue(MANAGER, signing=False, **YEAR),
        other_org=root.issue(nca_subject(surname="БАСҚА", given="АДАМ", iin="990101300123", bin_=OTHER_BIN), **YEAR),
        person=root.issue(nca_subject(surname="ДӘРІГЕР", given="ЖЕКЕ", iin=BIN), **YEAR),
    )


def signed(signer: Signer, document: object = APPLICATION, **options: object) -> bytes:
    return sign_detached(canonical_json(document), signer, **options)  # type: ignore[arg-type]


def verify(signature: bytes | str, document: object = APPLICATION, *, store: TrustStore | None = None):  # type: ignore[no-untyped-def]
    return verify_signed_json(document, signature, expected_bin=BIN, at=AT, trust=store or pki().store)


def refusal(
    signature: bytes | str, document: object = APPLICATION, *, store: TrustStore | None = None
) -> SignatureRefused:
    with pytest.raises(SignatureRefused) as refused:
        verify(signature, document, store=store)
    return refused.value


# --- Accepted ---------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["ec", "rsa"])
def test_a_signature_by_the_applicants_manager_is_accepted_with_who_signed(key: str) -> None:
    signer = getattr(pki(), key)
    result = verify(signed(signer))
    cert = signer.certificate
    assert result.bin == BIN and result.iin == IIN
    # RFC 4514 writes the subject's attributes last to first.
    assert result.subject == (
        'OU=BIN123456789021,O=ТОО \\"Емхана\\",C=KZ,SERIALNUMBER=IIN123456789011,SURNAME=ТЕСТОВ,CN=ТЕСТОВ ТЕСТ'
    )
    assert result.issuer == "C=KZ,CN=OSMS TEST ROOT CA"
    assert result.serial == f"{cert.serial_number:X}"
    assert result.fingerprint == hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest()
    assert result.signature_algorithm == ("ecdsa" if key == "ec" else "rsa-pkcs1v15")
    assert result.digest_algorithm == "sha256"
    assert result.content_sha256 == hashlib.sha256(canonical_json(APPLICATION)).hexdigest()
    assert result.signing_time is not None and result.signing_time.tzinfo is not None
    assert result.verified_at == AT
    assert f"serial={result.serial}" in result.audit_detail() and "bin=123456789021" in result.audit_detail()


@pytest.mark.parametrize(
    "options",
    [{"attributes": False}, {"hash_name": "sha384"}, {"hash_name": "sha512"}, {"pss": True}],
    ids=["no-signed-attributes", "sha384", "sha512", "rsa-pss"],
)
def test_other_common_signature_shapes_are_accepted(options: dict[str, object]) -> None:
    result = verify(signed(pki().rsa, **options))
    assert result.bin == BIN
    assert result.signature_algorithm == ("rsa-pss" if options.get("pss") else "rsa-pkcs1v15")
    assert result.signing_time is None if options.get("attributes") is False else result.signing_time is not None


def test_the_signature_may_come_as_der_base64_or_pem() -> None:
    der = signed(pki().ec)
    b64 = base64.b64encode(der).decode()
    wrapped = "\n".join(b64[i : i + 64] for i in range(0, len(b64), 64))
    pem = f"-----BEGIN CMS-----\n{wrapped}\n-----END CMS-----\n"
    for form in (der, b64, b64.encode(), wrapped, pem):
        assert verify(form).iin == IIN


def test_the_order_of_the_members_as_sent_does_not_matter() -> None:
    reordered = dict(reversed(list(APPLICATION.items())))
    assert verify(signed(pki().ec), reordered).bin == BIN


def test_an_individual_entrepreneurs_own_certificate_answers_for_the_iin_as_identification_number() -> None:
    # No OU=BIN: the certificate is the person's; an individual entrepreneur is identified by the IIN.
    assert verify(signed(pki().person)).iin == BIN
    with pytest.raises(SignatureRefused) as refused:
        verify_signed_json(APPLICATION, signed(pki().person), expected_bin=OTHER_BIN, at=AT, trust=pki().store)
    assert refused.value.code == "signer_not_applicant"


def test_an_issuing_ca_under_the_trusted_root_is_followed() -> None:
    root = pki().root
    issuing = root.subordinate("OSMS TEST ISSUING CA", not_before=day("2025-01-01"), not_after=day("2030-01-01"))
    signer = issuing.issue(MANAGER, **YEAR)
    signature = signed(signer)
    # Only the root in the store, and the signature does not carry the issuing CA: no path.
    assert refusal(signature).code == "untrusted_certificate"
    # The store holds the national CA's root and issuing certificates: trusted.
    store = TrustStore((root.certificate, issuing.certificate))
    assert verify(signature, store=store).issuer == "C=KZ,CN=OSMS TEST ISSUING CA"


# --- Refused ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "signature",
    [
        b"",
        "not a signature!",
        base64.b64encode(b"\x30\x03\x02\x01\x01").decode(),
        b"\x30\x82\x10\x00\x01",
        b"\x30\x80\x00\x00",
    ],
    ids=["empty", "not-base64", "not-signed-data", "truncated", "ber-indefinite"],
)
def test_what_is_not_a_signature_is_malformed(signature: bytes | str) -> None:
    assert refusal(signature).code == "malformed_signature"


def test_a_signature_without_the_signers_certificate_is_malformed() -> None:
    signer = pki().ec
    options = [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary, pkcs7.PKCS7Options.NoCerts]
    der = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(canonical_json(APPLICATION))
        .add_signer(signer.certificate, signer.key, hashes.SHA256())
        .sign(Encoding.DER, options)
    )
    refused = refusal(der)
    assert refused.code == "malformed_signature" and "certificate is not in" in refused.detail


def test_two_signers_are_refused_as_malformed() -> None:
    a, b = pki().ec, pki().rsa
    der = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(canonical_json(APPLICATION))
        .add_signer(a.certificate, a.key, hashes.SHA256())
        .add_signer(b.certificate, b.key, hashes.SHA256())
        .sign(Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary])
    )
    assert "exactly one" in refusal(der).detail


@pytest.mark.parametrize("attributes", [True, False], ids=["signed-attributes", "no-attributes"])
def test_a_changed_sum_no_longer_matches_the_signature(attributes: bool) -> None:
    signature = signed(pki().ec, attributes=attributes)
    changed = {**APPLICATION, "sum": "125000001.00"}
    assert refusal(signature, changed).code == "signature_mismatch"


def test_a_certificate_of_another_ca_with_the_same_name_is_untrusted() -> None:
    forged = pki().impostor.issue(MANAGER, **YEAR)
    assert refusal(signed(forged)).code == "untrusted_certificate"


def test_an_expired_certificate_is_refused() -> None:
    refused = refusal(signed(pki().expired))
    assert refused.code == "certificate_expired"
    assert "2026-06-01" in refused.detail


def test_a_certificate_valid_only_from_next_month_is_refused() -> None:
    refused = refusal(signed(pki().not_yet))
    assert refused.code == "certificate_not_yet_valid"
    assert "2026-12-01" in refused.detail


def test_an_authentication_key_without_digital_signature_is_refused() -> None:
    assert refusal(signed(pki().auth_only)).code == "wrong_key_usage"


def test_a_manager_of_another_provider_is_not_the_applicant() -> None:
    refused = refusal(signed(pki().other_org))
    assert refused.code == "signer_not_applicant"
    assert "BIN 987654321098" in refused.detail


def _der(tag: int, *parts: bytes) -> bytes:
    body = b"".join(parts)
    size = len(body)
    length = bytes([size]) if size < 0x80 else bytes([0x80 | 2]) + size.to_bytes(2, "big")
    return bytes([tag]) + length + body


def _oid(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    body = bytearray([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        while arc > 0x7F:
            arc >>= 7
            chunk.append(0x80 | (arc & 0x7F))
        body.extend(reversed(chunk))
    return _der(0x06, bytes(body))


def test_a_gost_signature_as_ncalayer_makes_it_is_refused_as_unsupported() -> None:
    # A SignedData as NCALayer sends for a GOST key: digest GOST 34.311-95 (1.2.398.3.10.1.3.1),
    # signature GOST 34.310-2004 (1.2.398.3.10.1.1.1.1); `cryptography` has no GOST.
    cert = pki().ec.certificate
    der_cert = cert.public_bytes(Encoding.DER)
    serial = cert.serial_number.to_bytes((cert.serial_number.bit_length() + 8) // 8, "big")
    signer_info = _der(
        0x30,
        _der(0x02, b"\x01"),
        _der(0x30, cert.issuer.public_bytes(), _der(0x02, serial)),
        _der(0x30, _oid("1.2.398.3.10.1.3.1")),
        _der(0x30, _oid("1.2.398.3.10.1.1.1.1")),
        _der(0x04, os.urandom(64)),
    )
    signed_data = _der(
        0x30,
        _der(0x02, b"\x01"),
        _der(0x31, _der(0x30, _oid("1.2.398.3.10.1.3.1"))),
        _der(0x30, _oid("1.2.840.113549.1.7.1")),
        _der(0xA0, der_cert),
        _der(0x31, signer_info),
    )
    content_info = _der(0x30, _oid("1.2.840.113549.1.7.2"), _der(0xA0, signed_data))
    refused = refusal(content_info)
    assert refused.code == "unsupported_algorithm"
    assert refused.detail == "digest algorithm 1.2.398.3.10.1.3.1 (GOST)"


def test_a_certificate_on_the_cas_revocation_list_is_refused(tmp_path: Path) -> None:
    root, signer = pki().root, pki().ec
    root.write_trust_store(tmp_path)
    (tmp_path / "root.crl").write_bytes(
        root.revocation_list(
            {signer.certificate.serial_number: day("2026-11-01")},
            last_update=day("2026-11-01"),
            next_update=day("2026-12-01"),
        )
    )
    store = TrustStore.from_path(tmp_path)
    refused = refusal(signed(signer), store=store)
    assert refused.code == "certificate_revoked" and "2026-11-01" in refused.detail
    # Signed before it was revoked: still good (the revocation's moment counts, not the list's).
    before = verify_signed_json(APPLICATION, signed(signer), expected_bin=BIN, at=day("2026-10-31"), trust=store)
    assert before.bin == BIN
    # Another certificate of the same CA is not on the list.
    assert verify(signed(pki().rsa), store=store).bin == BIN


def test_every_refusal_speaks_kazakh_russian_and_english() -> None:
    refused = SignatureRefused("certificate_expired", "until 2026-06-01")
    reason = refused.reason()
    assert reason["code"] == "certificate_expired"
    messages = refused.messages()
    assert messages["en"] == REFUSALS["certificate_expired"]
    assert messages["ru"] == "Срок действия сертификата подписавшего истёк к моменту подписания документа."
    for code, english in REFUSALS.items():
        translated = SignatureRefused(code, "").messages()
        assert translated["en"] == english
        assert translated["kk"] != english and translated["ru"] != english


# --- The trust store --------------------------------------------------------------------------


def test_a_trust_store_is_a_directory_or_a_pem_bundle(tmp_path: Path) -> None:
    root = pki().root
    issuing = root.subordinate("OSMS TEST ISSUING CA", not_before=day("2025-01-01"), not_after=day("2030-01-01"))
    directory = tmp_path / "ca"
    root.write_trust_store(directory)
    (directory / "issuing.cer").write_bytes(issuing.certificate.public_bytes(Encoding.DER))
    (directory / "README.txt").write_text("ignored")
    assert len(TrustStore.from_path(directory).certificates) == 2
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(root.root_pem() + issuing.root_pem())
    assert len(TrustStore.from_path(bundle).certificates) == 2


@pytest.mark.parametrize("content", [None, b"", b"-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n"])
def test_a_missing_empty_or_broken_trust_store_is_a_setup_fault(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "store.pem"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(TrustStoreUnavailable) as fault:
        TrustStore.from_path(path)
    assert fault.value.code == "trust_store_unavailable" and fault.value.status == 503


def test_the_configured_trust_store_is_osms_trust_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        monkeypatch.delenv("OSMS_TRUST_STORE", raising=False)
        get_settings.cache_clear()
        with pytest.raises(TrustStoreUnavailable, match="OSMS_TRUST_STORE is not set"):
            configured_trust_store()
        pki().root.write_trust_store(tmp_path)
        monkeypatch.setenv("OSMS_TRUST_STORE", str(tmp_path))
        get_settings.cache_clear()
        assert verify_signed_json(APPLICATION, signed(pki().ec), expected_bin=BIN, at=AT).bin == BIN
    finally:
        get_settings.cache_clear()


# --- Any change of the signed bytes fails -----------------------------------------------------


@cache
def _signed_example() -> tuple[bytes, bytes]:
    content = canonical_json(APPLICATION)
    return content, signed(pki().ec)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_any_changed_byte_of_the_document_fails_verification(data: st.DataObject) -> None:
    content, signature = _signed_example()
    at = data.draw(st.integers(min_value=0, max_value=len(content) - 1), label="position")
    flip = data.draw(st.integers(min_value=1, max_value=255), label="xor")
    changed = bytearray(content)
    changed[at] ^= flip
    with pytest.raises(SignatureRefused) as refused:
        verify_detached(bytes(changed), signature, expected_bin=BIN, at=AT, trust=pki().store)
    assert refused.value.code == "signature_mismatch"


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_a_damaged_signature_is_refused_with_a_code_never_a_traceback(data: st.DataObject) -> None:
    content, signature = _signed_example()
    damaged = bytearray(signature)
    for _ in range(data.draw(st.integers(min_value=1, max_value=3), label="changes")):
        at = data.draw(st.integers(min_value=0, max_value=len(damaged) - 1), label="position")
        damaged[at] ^= data.draw(st.integers(min_value=1, max_value=255), label="xor")
    cut = data.draw(st.integers(min_value=1, max_value=len(damaged)), label="length")
    try:
        result = verify_detached(content, bytes(damaged[:cut]), expected_bin=BIN, at=AT, trust=pki().store)
    except SignatureRefused as refused:
        assert refused.code in REFUSALS
    else:
        # Only bytes outside the signed attributes and the certificate can change unnoticed
        # (the SignedData's own list of digest algorithms, version numbers): the signer stands.
        assert result.iin == IIN and result.content_sha256 == hashlib.sha256(content).hexdigest()


# --- The certificate path, in detail ----------------------------------------------------------


def test_an_attached_signature_counts_only_if_it_holds_exactly_the_canonical_bytes() -> None:
    signer = pki().ec
    options = [pkcs7.PKCS7Options.Binary]

    def attached(content: bytes) -> bytes:
        builder = pkcs7.PKCS7SignatureBuilder().set_data(content)
        return builder.add_signer(signer.certificate, signer.key, hashes.SHA256()).sign(Encoding.DER, options)

    assert verify(attached(canonical_json(APPLICATION))).bin == BIN
    other = canonical_json({**APPLICATION, "volume": 1})
    assert refusal(attached(other)).code == "signature_mismatch"


def _hand_made(issuer: DemoCA, subject: x509.Name, *extensions: tuple[x509.ExtensionType, bool]) -> Signer:
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(day("2026-01-01"))
        .not_valid_after(day("2027-01-01"))
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return Signer(builder.sign(issuer.key, hashes.SHA256()), key)


def test_a_certificate_without_key_usage_is_not_for_signing() -> None:
    assert refusal(signed(_hand_made(pki().root, MANAGER))).code == "wrong_key_usage"


def test_an_unknown_critical_extension_makes_the_certificate_untrusted() -> None:
    unknown = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.99999.1"), b"\x05\x00")
    refused = refusal(signed(_hand_made(pki().root, MANAGER, (unknown, True))))
    assert refused.code == "untrusted_certificate" and "1.3.6.1.4.1.99999.1" in refused.detail


def test_a_certificate_issued_by_an_end_entity_is_untrusted() -> None:
    # The manager's own key "issues" a certificate: it is no CA, although it chains to the root.
    manager = pki().ec
    fake_ca = DemoCA(manager.certificate, manager.key)
    victim = nca_subject(surname="ҚҰРБАН", given="ЖАН", iin="990101300123", bin_=BIN)
    forged = fake_ca.issue(victim, **YEAR)
    signer = pki().ec
    builder = pkcs7.PKCS7SignatureBuilder().set_data(canonical_json(APPLICATION))
    der = (
        builder.add_signer(forged.certificate, forged.key, hashes.SHA256())
        .add_certificate(signer.certificate)
        .sign(Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary])
    )
    assert refusal(der).code == "untrusted_certificate"


def test_a_path_longer_than_the_issuing_cas_limit_is_untrusted() -> None:
    root = pki().root
    issuing = root.subordinate("OSMS TEST ISSUING CA", not_before=day("2025-01-01"), not_after=day("2030-01-01"))
    # The issuing CA may have no CA under it (path length 0); one made anyway does not count.
    deeper = issuing.subordinate("OSMS TEST DEEPER CA", not_before=day("2025-01-01"), not_after=day("2030-01-01"))
    signer = deeper.issue(MANAGER, **YEAR)
    store = TrustStore((root.certificate, issuing.certificate, deeper.certificate))
    # Trusted directly (the deeper CA is itself in the store): fine.
    assert verify(signed(signer), store=store).bin == BIN
    # Only root and issuing CA in the store: the path leaf → deeper → issuing breaks the limit.
    assert refusal(signed(signer), store=TrustStore((root.certificate, issuing.certificate))).code == (
        "untrusted_certificate"
    )


def test_an_expired_issuing_ca_expires_its_signers() -> None:
    root = pki().root
    issuing = root.subordinate("OSMS TEST OLD CA", not_before=day("2020-01-01"), not_after=day("2026-06-01"))
    signer = issuing.issue(MANAGER, **YEAR)
    refused = refusal(signed(signer), store=TrustStore((root.certificate, issuing.certificate)))
    assert refused.code == "certificate_expired" and "OSMS TEST OLD CA" in refused.detail


def test_the_bin_may_be_an_etsi_organization_identifier_and_two_bins_are_refused() -> None:
    base = [
        x509.NameAttribute(NameOID.COMMON_NAME, "ТЕСТОВ ТЕСТ"),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{IIN}"),
        x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, f"NTRKZ-{BIN}"),
    ]
    etsi = pki().root.issue(x509.Name(base), **YEAR)
    assert verify(signed(etsi)).bin == BIN
    both = x509.Name([*base, x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"BIN{OTHER_BIN}")])
    refused = refusal(signed(pki().root.issue(both, **YEAR)))
    assert refused.code == "signer_not_applicant" and "several BINs" in refused.detail
