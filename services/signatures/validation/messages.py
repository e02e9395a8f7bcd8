"""Every text a validation report shows, in Vietnamese and English, by message code.

A code names one statement (``chain.trusted``, ``cert.revoked``...); its texts may
hold ``{name}`` placeholders that the message fills with its parameters (times in
ISO 8601, subjects as RFC 4514 strings, or other messages rendered in the same
language). The ETSI indications, sub-indications and revocation reasons have
codes of their own (``indication.*``, ``subindication.*``, ``reason.*``) so that
a report renders entirely in one language.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Literal

if TYPE_CHECKING:
    from collections.abc import Mapping

Language = Literal["vi", "en"]
LANGUAGES: Final[tuple[Language, ...]] = ("vi", "en")

#: code -> (Vietnamese, English)
MESSAGES: Final[dict[str, tuple[str, str]]] = {
    # ETSI EN 319 102-1 main indications
    "indication.TOTAL_PASSED": ("Hợp lệ", "Total passed"),
    "indication.TOTAL_FAILED": ("Không hợp lệ", "Total failed"),
    "indication.INDETERMINATE": ("Chưa xác định được", "Indeterminate"),
    # ETSI EN 319 102-1 sub-indications
    "subindication.FORMAT_FAILURE": (
        "Chữ ký không đúng định dạng hoặc không đọc được",
        "The signature is not conformant to its format or cannot be read",
    ),
    "subindication.HASH_FAILURE": (
        "Dữ liệu được ký đã bị thay đổi (giá trị băm không khớp)",
        "The signed data has been changed (hash mismatch)",
    ),
    "subindication.SIG_CRYPTO_FAILURE": (
        "Giá trị chữ ký không kiểm tra được bằng khóa công khai của người ký",
        "The signature value cannot be verified with the signer's public key",
    ),
    "subindication.REVOKED": (
        "Chứng thư của người ký đã bị thu hồi trước thời điểm ký",
        "The signer's certificate was revoked before the signing time",
    ),
    "subindication.NOT_YET_VALID": (
        "Chữ ký được tạo trước khi chứng thư của người ký có hiệu lực",
        "The signature was made before the signer's certificate became valid",
    ),
    "subindication.SIG_CONSTRAINTS_FAILURE": (
        "Chữ ký không đáp ứng các ràng buộc của chính sách kiểm tra",
        "The signature does not meet the constraints of the validation policy",
    ),
    "subindication.CHAIN_CONSTRAINTS_FAILURE": (
        "Chuỗi chứng thư không đáp ứng các ràng buộc của chính sách kiểm tra",
        "The certificate chain does not meet the constraints of the validation policy",
    ),
    "subindication.CERTIFICATE_CHAIN_GENERAL_FAILURE": (
        "Không kiểm tra được chuỗi chứng thư",
        "The certificate chain could not be validated",
    ),
    "subindication.CRYPTO_CONSTRAINTS_FAILURE": (
        "Thuật toán mật mã hoặc độ dài khóa không được chấp nhận",
        "A cryptographic algorithm or key size is not acceptable",
    ),
    "subindication.EXPIRED": (
        "Chữ ký được tạo sau khi chứng thư của người ký hết hạn",
        "The signature was made after the signer's certificate expired",
    ),
    "subindication.POLICY_PROCESSING_ERROR": (
        "Không xử lý được chính sách chữ ký",
        "The signature policy could not be processed",
    ),
    "subindication.SIGNATURE_POLICY_NOT_AVAILABLE": (
        "Không có chính sách chữ ký được yêu cầu",
        "The required signature policy is not available",
    ),
    "subindication.TIMESTAMP_ORDER_FAILURE": (
        "Thứ tự các dấu thời gian không hợp lý",
        "The time-stamps are not in a consistent order",
    ),
    "subindication.NO_SIGNING_CERTIFICATE_FOUND": (
        "Không tìm thấy chứng thư của người ký",
        "The signer's certificate cannot be found",
    ),
    "subindication.NO_CERTIFICATE_CHAIN_FOUND": (
        "Không xây dựng được chuỗi chứng thư đến một chứng thư gốc tin cậy",
        "No certificate chain to a trusted root could be built",
    ),
    "subindication.REVOKED_NO_POE": (
        "Chứng thư của người ký đã bị thu hồi và không có bằng chứng chữ ký tồn tại trước đó",
        "The signer's certificate is revoked and there is no proof the signature existed before",
    ),
    "subindication.REVOKED_CA_NO_POE": (
        "Một chứng thư CA trong chuỗi đã bị thu hồi và không có bằng chứng chữ ký tồn tại trước đó",
        "A CA certificate in the chain is revoked and there is no proof the signature "
        "existed before",
    ),
    "subindication.OUT_OF_BOUNDS_NO_POE": (
        "Chứng thư của người ký đã hết hạn hoặc chưa có hiệu lực tại thời điểm kiểm tra",
        "The signer's certificate is expired or not yet valid at the validation time",
    ),
    "subindication.REVOCATION_OUT_OF_BOUNDS_NO_POE": (
        "Không có bằng chứng về thời điểm phát hành thông tin thu hồi",
        "There is no proof of when the revocation information was issued",
    ),
    "subindication.OUT_OF_BOUNDS_NOT_REVOKED": (
        "Chứng thư đã hết hạn nhưng chưa bị thu hồi; thiếu bằng chứng thời điểm ký",
        "The certificate has expired but is not revoked; proof of the signing time is missing",
    ),
    "subindication.CRYPTO_CONSTRAINTS_FAILURE_NO_POE": (
        "Thuật toán đã bị coi là yếu và không có bằng chứng chữ ký tồn tại trước đó",
        "An algorithm has become weak and there is no proof the signature existed before",
    ),
    "subindication.NO_POE": (
        "Không có bằng chứng về thời điểm tồn tại của chữ ký",
        "There is no proof of existence of the signature",
    ),
    "subindication.TRY_LATER": (
        "Chưa có đủ thông tin thu hồi; hãy kiểm tra lại sau",
        "Not enough revocation information yet; try again later",
    ),
    "subindication.SIGNED_DATA_NOT_FOUND": (
        "Không có dữ liệu được ký để kiểm tra",
        "The signed data is not available",
    ),
    "subindication.GENERIC": (
        "Không xác định được kết quả kiểm tra",
        "The validation result could not be determined",
    ),
    # ETSI TS 119 102-2 validation processes
    "process.Basic": ("Kiểm tra chữ ký cơ bản", "Validation of basic signatures"),
    "process.LTVM": (
        "Kiểm tra chữ ký có dấu thời gian và dữ liệu kiểm tra dài hạn",
        "Validation of signatures with time and long-term validation material",
    ),
    "process.LTA": (
        "Kiểm tra chữ ký lưu trữ dài hạn",
        "Validation of signatures providing long-term availability and integrity",
    ),
    # revocation states and where the revocation data came from
    "revocation.GOOD": ("Chưa bị thu hồi", "Not revoked"),
    "revocation.REVOKED": ("Đã bị thu hồi", "Revoked"),
    "revocation.UNKNOWN": ("Không xác định được", "Unknown"),
    "revocation.NOT_CHECKED": (
        "Không kiểm tra (chứng thư gốc tin cậy)",
        "Not checked (trusted root)",
    ),
    "source.CRL.given": ("CRL do người yêu cầu cung cấp", "CRL supplied by the requester"),
    "source.CRL.embedded": ("CRL đi kèm chữ ký", "CRL embedded with the signature"),
    "source.CRL.fetched": ("CRL tải về khi kiểm tra", "CRL fetched during validation"),
    "source.OCSP.given": ("OCSP do người yêu cầu cung cấp", "OCSP supplied by the requester"),
    "source.OCSP.embedded": ("OCSP đi kèm chữ ký", "OCSP embedded with the signature"),
    "source.OCSP.fetched": ("OCSP tải về khi kiểm tra", "OCSP fetched during validation"),
    # RFC 5280 CRLReason
    "reason.unspecified": ("không nêu lý do", "unspecified"),
    "reason.keyCompromise": ("lộ khóa bí mật", "key compromise"),
    "reason.cACompromise": ("lộ khóa của CA", "CA compromise"),
    "reason.affiliationChanged": ("thay đổi đơn vị công tác", "affiliation changed"),
    "reason.superseded": ("đã được thay thế", "superseded"),
    "reason.cessationOfOperation": ("ngừng hoạt động", "cessation of operation"),
    "reason.certificateHold": ("tạm dừng hiệu lực", "certificate hold"),
    "reason.removeFromCRL": ("gỡ khỏi CRL", "removed from CRL"),
    "reason.privilegeWithdrawn": ("bị rút quyền", "privilege withdrawn"),
    "reason.aACompromise": ("lộ khóa của AA", "AA compromise"),
    # statements about the input
    "input.no_signature": (
        "Tài liệu không có chữ ký số nào.",
        "The document carries no digital signature.",
    ),
    "input.unreadable": (
        "Không đọc được dữ liệu: đây không phải {kind} hợp lệ hoặc dữ liệu đã bị hỏng.",
        "The data cannot be read: it is not a valid {kind} or it is damaged.",
    ),
    "input.unreadable_signature": (
        "Không đọc được chữ ký: cấu trúc chữ ký bị hỏng.",
        "The signature cannot be read: its structure is damaged.",
    ),
    "input.detached_content_missing": (
        "Chữ ký tách rời nhưng không có nội dung được ký đi kèm yêu cầu.",
        "The signature is detached but the request carries no signed content.",
    ),
    "input.detached_content_ignored": (
        "Chữ ký đã chứa nội dung được ký; nội dung tách rời gửi kèm không được dùng.",
        "The signature encapsulates its content; the detached content sent along was not used.",
    ),
    # statements about one signature
    "signature.intact": (
        "Dữ liệu được ký còn nguyên vẹn và giá trị chữ ký đúng.",
        "The signed data is intact and the signature value is correct.",
    ),
    "signature.hash_mismatch": (
        "Dữ liệu đã bị thay đổi sau khi ký.",
        "The data has been changed after signing.",
    ),
    "signature.crypto_invalid": (
        "Giá trị chữ ký không đúng với khóa công khai trong chứng thư của người ký.",
        "The signature value does not match the public key of the signer's certificate.",
    ),
    "signature.weak_algorithm": (
        "Chữ ký dùng thuật toán {algorithm}, không còn được chấp nhận.",
        "The signature uses the algorithm {algorithm}, which is no longer accepted.",
    ),
    "signature.not_addressable": (
        "Chữ ký XML này nằm cạnh một chữ ký khác trong cùng phần tử cha nên không kiểm tra "
        "riêng được.",
        "This XML signature shares its parent element with another signature and cannot be "
        "validated on its own.",
    ),
    "signature.signer_unknown": (
        "Chữ ký không mang chứng thư của người ký.",
        "The signature does not carry the signer's certificate.",
    ),
    "chain.trusted": (
        "Chứng thư của người ký được xác thực đến chứng thư gốc tin cậy «{root}».",
        "The signer's certificate chains up to the trusted root «{root}».",
    ),
    "chain.not_found": (
        "Không xây dựng được chuỗi chứng thư từ người ký đến một chứng thư gốc tin cậy.",
        "No chain from the signer's certificate to a trusted root could be built.",
    ),
    "chain.problem": (
        "Chuỗi chứng thư không được chấp nhận: {reason}.",
        "The certificate chain is not accepted: {reason}.",
    ),
    "cert.revoked": (
        "Chứng thư «{subject}» đã bị thu hồi lúc {time}, lý do: {reason}.",
        "The certificate «{subject}» was revoked at {time}, reason: {reason}.",
    ),
    "cert.revoked_after_poe": (
        "Chứng thư của người ký bị thu hồi lúc {revoked}, sau thời điểm chữ ký được chứng minh "
        "đã tồn tại ({poe}); việc thu hồi không làm mất hiệu lực chữ ký.",
        "The signer's certificate was revoked at {revoked}, after the signature was proven to "
        "exist ({poe}); the revocation does not invalidate the signature.",
    ),
    "cert.revocation_unknown": (
        "Không xác định được tình trạng thu hồi của chứng thư «{subject}».",
        "The revocation status of the certificate «{subject}» could not be determined.",
    ),
    "cert.expired": (
        "Chứng thư «{subject}» đã hết hạn lúc {time}.",
        "The certificate «{subject}» expired at {time}.",
    ),
    "cert.not_yet_valid": (
        "Chứng thư «{subject}» chỉ có hiệu lực từ {time}.",
        "The certificate «{subject}» is only valid from {time}.",
    ),
    "timestamp.signature": (
        "Dấu thời gian của chữ ký: {time}.",
        "Signature time-stamp: {time}.",
    ),
    "timestamp.content": (
        "Dấu thời gian của nội dung trước khi ký: {time}.",
        "Content time-stamp taken before signing: {time}.",
    ),
    "timestamp.document": (
        "Dấu thời gian tài liệu (lưu trữ dài hạn): {time}.",
        "Document (archival) time-stamp: {time}.",
    ),
    "timestamp.not_validated": (
        "Dấu thời gian của chữ ký XAdES chưa được kiểm tra; chữ ký được kiểm tra tại thời "
        "điểm kiểm tra.",
        "The XAdES signature time-stamp is not validated; the signature is validated at the "
        "validation time.",
    ),
    "timestamp.invalid": (
        "Dấu thời gian lúc {time} không được chấp nhận.",
        "The time-stamp of {time} is not accepted.",
    ),
    "pdf.modified_after_signing": (
        "Tài liệu PDF đã bị sửa đổi sau khi ký theo cách không được phép.",
        "The PDF document was modified after signing in a way that is not permitted.",
    ),
    "pdf.updated_after_signing": (
        "Tài liệu PDF có các cập nhật sau khi ký thuộc loại được phép (dữ liệu kiểm tra, "
        "dấu thời gian, chữ ký tiếp theo).",
        "The PDF document has updates after signing of permitted kinds (validation data, "
        "time-stamps, further signatures).",
    ),
    "validation.at_time": (
        "Kiểm tra tại thời điểm {time}.",
        "Validated as of {time}.",
    ),
    "validation.best_signature_time": (
        "Chữ ký được chứng minh đã tồn tại từ {time}.",
        "The signature is proven to have existed at {time}.",
    ),
}


def text(code: str, language: Language, **params: str) -> str:
    """The text of ``code`` in ``language`` with its placeholders filled."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    vi, en = MESSAGES[code]
    template = vi if language == "vi" else en
    return template.format(**params)


def placeholders(template: str) -> set[str]:
    """The ``{name}`` placeholders of a template."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@dataclass(frozen=True)
class Message:
    """A statement of a report: a code and its parameters.

    A parameter is a plain value (a time, a subject) or another message, rendered
    in the same language (a revocation reason, an ETSI sub-indication).
    """

    code: str
    params: Mapping[str, str | Message] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code not in MESSAGES:
            raise KeyError(f"unknown message code {self.code!r}")

    def text(self, language: Language) -> str:
        return text(
            self.code,
            language,
            **{
                name: value.text(language) if isinstance(value, Message) else value
                for name, value in self.params.items()
            },
        )

    @property
    def vi(self) -> str:
        return self.text("vi")

    @property
    def en(self) -> str:
        return self.text("en")

    def as_dict(self, language: Language) -> dict[str, str]:
        return {"code": self.code, "text": self.text(language)}
