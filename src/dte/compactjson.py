"""The old home of the compact JSON encoder, kept only because applied migrations name
``dte.compactjson.CompactJSONEncoder`` (audit 0003, subsidy 0010 and 0011). Code imports
``dte.core.compactjson``."""

from dte.core.compactjson import CompactJSONEncoder

__all__ = ["CompactJSONEncoder"]
