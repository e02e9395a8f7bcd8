"""The signing service's PKI, every key signing through a :class:`~lienthong.signing.KeySigner`
(a PKCS#11 token in production): certificate profiles (:mod:`.profile`), the CAs and what
they issue (:mod:`.ca`), revocation lists (:mod:`.crl`), the OCSP responder (:mod:`.ocsp`)
and the time-stamping authority (:mod:`.tsa`).
"""
