"""Apps depend one way (STYLE, "The shape of the house"): the import-linter contract in
pyproject.toml fails when a lower app imports a higher one, at module level or inside a function."""

from pathlib import Path

from importlinter import api
from importlinter.application import use_cases
from importlinter.configuration import configure

ROOT = Path(__file__).resolve().parent.parent


def test_apps_import_one_way(monkeypatch):
    configure()
    monkeypatch.chdir(ROOT)
    assert use_cases.lint_imports(config_filename=str(ROOT / "pyproject.toml"), cache_dir=None, no_logo=True) == use_cases.SUCCESS


def test_every_app_of_the_project_is_in_the_contract():
    """A new app must take its place in the layers, or the contract would not look at it."""
    from django.conf import settings

    ours = {app for app in settings.INSTALLED_APPS if (ROOT / app / "apps.py").exists()}
    contract = api.read_configuration(config_filename=str(ROOT / "pyproject.toml"))
    layered = set()
    for layer in contract["contracts_options"][0]["layers"]:
        layered.update(name.strip(" ()") for name in layer.replace(":", "|").split("|"))
    assert ours <= layered, f"apps missing from the import-linter layers: {sorted(ours - layered)}"
