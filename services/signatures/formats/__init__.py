"""The signature formats: PAdES (:mod:`.pades`, with Decree 30/2020 appearances in
:mod:`.appearance`), detached CAdES (:mod:`.cades`) and enveloped XMLDSig (:mod:`.xmldsig`),
each signing through a :class:`~lienthong.signing.KeySigner` (:mod:`.keysigner`)."""
