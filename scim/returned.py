"""Which attributes a response returns (RFC 7643 §7 ``returned``, RFC 7644 §3.9 ``attributes`` and
``excludedAttributes``), applied to a resource already serialised as a dict.

The rules are read once from the scim2-models classes in ``schemas.py``, the same annotations
/Schemas publishes, and applied as scim2-models applies them when it dumps a model: level by
level, children first; an attribute left without a value is omitted, and an extension left empty
leaves ``schemas`` too. ``tests/scim/test_representation.py`` holds both ways to the same bytes.
"""

from typing import NamedTuple

from scim2_models import ComplexAttribute, Extension, Returned


class Attribute(NamedTuple):
    """One attribute of a serialised resource: its full URN, its ``returned`` characteristic and,
    for a complex attribute or an extension, the table of its sub-attributes."""

    urn: str
    returned: Returned
    children: dict | None


def attribute_table(model, prefix=None):
    """``{serialised name: Attribute}`` for ``model`` (a Resource, Extension or ComplexAttribute
    class); ``prefix`` is the URN of the complex attribute ``model`` is the type of."""
    info = model.__scim_info__
    table = {}
    for alias, field_name in info.alias_to_field.items():
        if field_name == "schemas":
            continue
        name = info.attribute_urns[field_name]
        urn = f"{prefix}.{name}" if prefix else name
        root = model.get_field_root_type(field_name)
        children = None
        if isinstance(root, type) and issubclass(root, Extension):
            children = attribute_table(root)
        elif isinstance(root, type) and issubclass(root, ComplexAttribute):
            children = attribute_table(root, prefix=urn)
        table[alias] = Attribute(urn, model.get_field_annotation(field_name, Returned), children)
    return table


def _request_only(table):
    """The attributes of ``table`` returned only when asked for (or never), as paths of serialised
    names (``("urn:…:User", "status")``, ``("members", "display")``); read once per table."""
    key = id(table)
    if key not in _REQUEST_ONLY:
        found = []
        for name, attribute in table.items():
            if attribute.returned in (Returned.request, Returned.never):
                found.append((name,))
            elif attribute.children:
                found += [(name, *path) for path in _request_only(attribute.children)]
        _REQUEST_ONLY[key] = (table, found)  # the table is kept so that its id is not reused
    return _REQUEST_ONLY[key][1]


_REQUEST_ONLY = {}


def _without_request_only(values, paths):
    """``values`` with the attributes at ``paths`` removed, and the parents they leave empty."""
    for path in paths:
        _remove(values, path)
    return values


def _remove(values, path):
    name, rest = path[0], path[1:]
    if name not in values:
        return
    if not rest:
        del values[name]
        return
    value = values[name]
    if isinstance(value, list):
        for item in value:
            _remove(item, rest)
        value = values[name] = [item for item in value if item != {}]
    else:
        _remove(value, rest)
    if value == [] or value == {}:
        del values[name]


def shaped(resource, table, included=(), excluded=()):
    """``resource`` (a dict with every attribute and no empty value, ``schemas`` first) as a
    response returns it to a request naming ``included`` and ``excluded`` attributes (lists of
    strings, may be empty). Without either, ``resource`` itself is returned, its request-only
    attributes removed."""
    extensions = {key for key, attribute in table.items() if attribute.children is not None and ":" in key}
    if not included and not excluded:
        shaped_resource = _without_request_only(resource, _request_only(table))
    else:
        shaped_resource = _level(resource, table, [a.lower() for a in included], [a.lower() for a in excluded])
    if "schemas" in resource:
        shaped_resource["schemas"] = [s for s in resource["schemas"] if s not in extensions or s in shaped_resource]
    return shaped_resource


def _level(values, table, included, excluded):
    kept = {}
    for key, value in values.items():
        if key == "schemas":
            kept[key] = value
            continue
        attribute = table[key]
        if attribute.children is not None:
            if isinstance(value, list):
                value = [_level(item, attribute.children, included, excluded) for item in value]
            else:
                value = _level(value, attribute.children, included, excluded)
        if not _is_returned(attribute, included, excluded):
            continue
        if isinstance(value, list):
            value = [item for item in value if item != {}]
        if value == [] or value == {}:
            continue
        kept[key] = value
    return kept


def _short(urn):
    return urn.rsplit(":", 1)[1] if ":" in urn else urn


def _is_returned(attribute, included, excluded):
    """Whether this level keeps ``attribute`` (``included`` and ``excluded`` lowercased), as
    scim2-models judges it: a name without a colon is compared with the attribute's path after
    its schema, a full URN with the whole URN; a parent or a child of an included name is included."""
    if attribute.returned == Returned.never:
        return False
    if attribute.returned == Returned.always:
        return True
    urn = attribute.urn.lower()
    short = _short(urn)
    if attribute.returned == Returned.request:
        for wanted in included:
            target = urn if ":" in wanted else short
            if wanted == target or wanted.startswith(target + "."):
                return True
        return False
    if included and not any(_matches(wanted, urn, short) for wanted in included):
        return False
    return not any(unwanted == (urn if ":" in unwanted else short) for unwanted in excluded)


def _matches(wanted, urn, short):
    if ":" in wanted:
        return wanted == urn or wanted.startswith((urn + ":", urn + ".")) or urn.startswith((wanted + ".", wanted + ":"))
    return short == wanted or short.startswith(wanted + ".") or wanted.startswith(short + ".")
