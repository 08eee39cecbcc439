"""A tiny .po reader for the catalogue-completeness test (no extra dependency)."""

import ast


def _unquote(line):
    return ast.literal_eval(line)


def parse(text):
    """Return a list of {msgid, translated, fuzzy} for each entry, plurals included."""
    entries, current, key = [], None, None

    def flush():
        if current is not None and not current.get("obsolete"):
            strs = [v for k, v in current.items() if k.startswith("msgstr")]
            entries.append(
                {
                    "msgid": current.get("msgid", ""),
                    "msgstr": current.get("msgstr", ""),
                    "plural": "msgid_plural" in current,
                    "context": "msgctxt" in current,
                    "translated": bool(strs) and all(strs),
                    "fuzzy": current.get("fuzzy", False),
                }
            )

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            flush()
            current, key = None, None
            continue
        if current is None:
            current = {}
        if line.startswith("#~"):
            current["obsolete"] = True
        elif line.startswith("#,") and "fuzzy" in line:
            current["fuzzy"] = True
        elif line.startswith("#"):
            continue
        elif line.startswith("msgctxt"):
            key = "msgctxt"
            current[key] = _unquote(line[len("msgctxt"):].strip())
        elif line.startswith("msgid_plural"):
            key = "msgid_plural"
            current[key] = _unquote(line[len("msgid_plural"):].strip())
        elif line.startswith("msgid"):
            key = "msgid"
            current[key] = _unquote(line[len("msgid"):].strip())
        elif line.startswith("msgstr"):
            key, _, rest = line.partition(" ")
            current[key] = _unquote(rest.strip())
        elif line.startswith('"') and key:
            current[key] += _unquote(line)
    flush()
    return entries
