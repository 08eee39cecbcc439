"""README.md and docs/ stand alone: a reader with only this repository can follow every reference.

Issue 17: the README used to send newcomers to files outside the repository. These tests fail when
README.md or any Markdown file under docs/ names a path outside the repository, links to a file
or heading that does not exist, or tells the operator to run a management command that does not
exist.
"""

import re
from pathlib import Path

import pytest
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCUMENTS = [README, *sorted((ROOT / "docs").rglob("*.md"))]

# Paths that point outside the repository: a parent folder, this workplace's folders, the shared
# folder beside the repository, a home or temp folder of one machine.
OUTSIDE = [
    (re.compile(r"\.\.[/\\]"), "a parent-folder path"),
    (re.compile(r"(?<![\w.-])/work\b"), "an absolute /work path"),
    (re.compile(r"(?<![\w<-])shared/"), "the shared/ folder outside the repository"),
    (re.compile(r"(?<![\w.-])(?:/home/|/root/|/tmp/|~/)"), "a path on one machine"),
]
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s*\[[^\]]+\]:\s*(\S+)", re.M)
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)
CODE_SPAN = re.compile(r"`([^`\n]+)`")
MANAGE_COMMAND = re.compile(r"manage\.py\s+([a-z_][a-z0-9_]*)")


def slug(heading):
    """GitHub's anchor for a Markdown heading."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def problems(text, source):
    """Return the reasons ``text`` (Markdown read from ``source``) does not stand alone."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for pattern, what in OUTSIDE:
            if pattern.search(line):
                found.append(f"line {number} names {what}: {line.strip()}")
    anchors = {slug(h) for h in HEADING.findall(text)}
    for target in LINK.findall(text) + REFERENCE_LINK.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        if not path:
            if anchor not in anchors:
                found.append(f"link to a heading that does not exist: #{anchor}")
            continue
        resolved = (source.parent / path).resolve()
        if not resolved.is_relative_to(ROOT):
            found.append(f"link outside the repository: {target}")
        elif not resolved.exists():
            found.append(f"link to a file that does not exist: {target}")
    return found


def code_paths_missing(text):
    """Backticked repository paths in ``text`` (``config/lock.sh``) that do not exist."""
    top = {p.name for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith(".")}
    missing = []
    for span in CODE_SPAN.findall(text):
        if re.search(r"[<>…*{}$ ]", span) or "/" not in span:
            continue
        if span.split("/", 1)[0] in top and not (ROOT / span).exists():
            missing.append(span)
    return missing


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_document_stays_inside_the_repository(document):
    assert problems(document.read_text(encoding="utf-8"), document) == []


def test_readme_names_only_files_that_exist():
    assert code_paths_missing(README.read_text(encoding="utf-8")) == []


def test_readme_names_only_management_commands_that_exist():
    text = README.read_text(encoding="utf-8")
    named = set(MANAGE_COMMAND.findall(text))
    assert {"db_worker", "send_campaign_alerts", "refresh_effect_windows", "clearsessions"} <= named
    assert sorted(named - set(get_commands())) == []


def test_readme_documents_the_lock_and_its_upgrade():
    text = README.read_text(encoding="utf-8")
    assert "pip install --require-hashes -r requirements.lock" in text
    assert "bash config/lock.sh" in text
    assert "docs/SPEC.md" in text and "docs/STYLE.md" in text


def test_readme_shows_committed_screenshots():
    images = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", README.read_text(encoding="utf-8"))
    assert images, "the README shows at least one screenshot"
    assert all((ROOT / image).is_file() and (ROOT / image).stat().st_size > 1000 for image in images)


def test_the_checks_catch_what_the_old_readme_did():
    """The checkers above can fail: each kind of reference outside the repository is reported."""
    bad = "\n".join(
        [
            "The product specification is `../shared/SPEC.md`.",
            "See /work/main/README.md.",
            "Style: shared/STYLE.md",
            "[spec](docs/NO-SUCH-FILE.md) and [up](../README.md) and [jump](#no-such-heading)",
            "Output in /tmp/something.",
        ]
    )
    reasons = problems(bad, README)
    assert any("parent-folder" in r for r in reasons)
    assert any("/work" in r for r in reasons)
    assert any("shared/" in r for r in reasons)
    assert any("does not exist: docs/NO-SUCH-FILE.md" in r for r in reasons)
    assert any("outside the repository: ../README.md" in r for r in reasons)
    assert any("#no-such-heading" in r for r in reasons)
    assert any("one machine" in r for r in reasons)
    assert code_paths_missing("run `config/no_such_script.sh` or `docs/SPEC.md`") == ["config/no_such_script.sh"]
    assert problems("[ok](docs/SPEC.md), [here](#ok), https://example.com\n## OK", README) == []
