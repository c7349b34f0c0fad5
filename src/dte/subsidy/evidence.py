"""Evidence files [A2.5]: PDF, JPEG or PNG, recognised by their content (magic bytes), never by
the file name or the browser's declared type."""

from __future__ import annotations

from django.core.exceptions import ValidationError

MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
SIGNATURES = [
    (b"%PDF-", "application/pdf", "PDF"),
    (b"\xff\xd8\xff", "image/jpeg", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "PNG"),
]


def sniff(content: bytes, field: str = "file") -> str:
    """The content type of an acceptable evidence file, or ValidationError in Chinese."""
    if not content:
        raise ValidationError({field: "文件为空"})
    if len(content) > MAX_EVIDENCE_BYTES:
        raise ValidationError({field: f"文件大小{len(content) // 1024} KB,超过 5 MB 上限"})
    for magic, ctype, _ in SIGNATURES:
        if content.startswith(magic):
            if ctype == "application/pdf" and b"%%EOF" not in content[-2048:]:
                raise ValidationError({field: "PDF 文件不完整(缺少文件结束标记)"})
            return ctype
    raise ValidationError({field: "仅接受 PDF、JPEG、PNG 文件(按文件内容识别,与扩展名无关)"})


EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
_SAME = {".jpg": (".jpg", ".jpeg"), ".pdf": (".pdf",), ".png": (".png",)}


def download_name(filename: str, content_type: str, fallback: str) -> str:
    """The name a downloaded evidence file is saved under: the uploaded name (``fallback`` if there
    is none) with the extension of its content, so "申领表" (a PDF) saves as "申领表.pdf" and a PNG
    uploaded as "scan.pdf" as "scan.pdf.png"; a name already ending right is kept."""
    name = (filename or "").strip().replace("/", "_").replace("\\", "_") or fallback
    ext = EXTENSIONS.get(content_type, "")
    if not ext or name.lower().endswith(_SAME[ext]):
        return name
    return name + ext
