"""How JSON columns written on every claim step are stored: compact UTF-8 text."""

from __future__ import annotations

import json
from typing import Any


class CompactJSONEncoder(json.JSONEncoder):
    """Chinese text as it is rather than ``\\uXXXX`` escapes (3 bytes a character instead of 6) and
    no space after separators: a claim's decision trace takes about 2.5 KB instead of 3.8, so the
    claim row and its audit entry fit in fewer database pages. Values read back are the same."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ensure_ascii"] = False
        kwargs["separators"] = (",", ":")
        super().__init__(*args, **kwargs)
