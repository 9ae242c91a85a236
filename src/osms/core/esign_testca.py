"""A certification authority of its own, for the tests and the demo only: never for real documents.

The fund trusts the national CA's certificates (``OSMS_TRUST_STORE``). The tests and ``osms demo``
cannot have keys of the national CA, so they make a CA here: a root certificate, signer
certificates with the NCA RK subject profile (``SERIALNUMBER=IIN…``, ``OU=BIN…``) and detached
CMS signatures made with ``cryptography``'s PKCS#7 builder, as a signer's software would send
them. Putting :meth:`DemoCA.root_pem` in a trust store makes its signatures verifiable; no
installation of the fund should ever have it there. See docs/providers.md ("Signed applications").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

KeyType = Literal["ec", "rsa"]
PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def new_key(kind: KeyType) -> PrivateKey:
    """A fresh key: ECDSA on P-256, or RSA 2048."""
    return ec.generate_private_key(ec.SECP256R1()) if kind == "ec" else rsa.generate_private_key(65537, 2048)


@dataclass(frozen=True)
class Signer:
    """A signer's certificate and private key."""

    certificate: x509.Certificate
    key: PrivateKey


def nca_subject(
    *, surname: str, given: str, iin: str, bin_: str | None = None, organization: str | None = None
) -> x509.Name:
    """A subject as NCA RK writes it: ``CN=SURNAME GIVEN, SURNAME, SERIALNUMBER=IIN…, C=KZ[, O, OU=BIN…]``."""
    attributes = [
        x509.NameAttribute(NameOID.COMMON_NAME, f"{surname} {given}"),
        x509.NameAttribute(NameOID.SURNAME, surname),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{iin}"),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
    ]
    if organization is not None:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    if bin_ is not None:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"BIN{bin_}"))
    return x509.Name(attributes)


def _ca_name(name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name), x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ")])


def _usage(*, signing: bool, ca: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing,
        content_commitment=signing,
        key_encipherment=not signing and not ca,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


@dataclass(frozen=True)
class DemoCA:
    """A root CA made on the spot (its own key): issues signer certificates and revocation lists."""

    certificate: x509.Certificate
    key: PrivateKey

    @classmethod
    def create(cls, name: str, *, not_before: datetime, not_after: datetime, key: KeyType = "ec") -> DemoCA:
        private = new_key(key)
        subject = _ca_name(name)
        public = private.public_key()
        certificate = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_usage(signing=False, ca=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .sign(private, hashes.SHA256())
        )
        return cls(certificate, private)

    def subordinate(self, name: str, *, not_before: datetime, not_after: datetime) -> DemoCA:
        """An issuing CA under this one (as the national CA's issuing certificate is under its root)."""
        private = new_key("ec")
        public = private.public_key()
        subject = _ca_name(name)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.certificate.subject)
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_usage(signing=False, ca=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        return DemoCA(certificate, private)

    def issue(
        self,
        subject: x509.Name,
        *,
        not_before: datetime,
        not_after: datetime,
        key: KeyType = "ec",
        signing: bool = True,
    ) -> Signer:
        """A signer certificate; ``signing=False`` gives an authentication-style key usage
        (key encipherment, no digital signature)."""
        private = new_key(key)
        public = private.public_key()
        certificate = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.certificate.subject)
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_usage(signing=signing), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        return Signer(certificate, private)

    def revocation_list(self, revoked: dict[int, datetime], *, last_update: datetime, next_update: datetime) -> bytes:
        """A PEM CRL listing ``{serial: revocation moment}``."""
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.certificate.subject)
            .last_update(last_update)
            .next_update(next_update)
        )
        for serial, moment in revoked.items():
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(moment).build()
            )
        return builder.sign(self.key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)

    def root_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def write_trust_store(self, directory: Path) -> Path:
        """Write the root certificate into ``directory`` (made if missing), ready for ``OSMS_TRUST_STORE``."""
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / "demo-root-ca.pem"
        path.write_bytes(self.root_pem())
        return path


def sign_detached(
    content: bytes,
    signer: Signer,
    *,
    hash_name: Literal["sha256", "sha384", "sha512"] = "sha256",
    attributes: bool = True,
    pss: bool = False,
) -> bytes:
    """A detached CMS SignedData (DER) over exactly ``content``, with the signer's certificate.

    ``attributes=False`` signs the content itself (no signed attributes, no signing time);
    ``pss=True`` uses RSASSA-PSS (RSA keys only).
    """
    algorithms: dict[str, hashes.SHA256 | hashes.SHA384 | hashes.SHA512] = {
        "sha256": hashes.SHA256(),
        "sha384": hashes.SHA384(),
        "sha512": hashes.SHA512(),
    }
    algorithm = algorithms[hash_name]
    rsa_padding = padding.PSS(mgf=padding.MGF1(algorithm), salt_length=algorithm.digest_size) if pss else None
    options = [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary]
    if not attributes:
        options.append(pkcs7.PKCS7Options.NoAttributes)
    return (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(content)
        .add_signer(signer.certificate, signer.key, algorithm, rsa_padding=rsa_padding)
        .sign(serialization.Encoding.DER, options)
    )
