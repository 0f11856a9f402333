"""QR codes as PNG images, drawn in pure Python (qrcode with its pypng backend; no imaging library)."""

from __future__ import annotations

import io

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from qrcode.image.pure import PyPNGImage

BOX = 10  # pixels a module: a phone camera reads it at arm's length from a screen
BORDER = 4  # modules of quiet zone, as the standard asks


def png(text: str) -> bytes:
    """A QR code of `text` (a link), as PNG bytes."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=BOX, border=BORDER)
    code.add_data(text)
    code.make(fit=True)
    image = code.make_image(image_factory=PyPNGImage)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()
