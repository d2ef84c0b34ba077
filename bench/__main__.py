"""python -m bench {fixture,api,pages,practice,loadtest} [options]: the service benchmarks.

Django is set up before a command's module is imported: those modules import models.
"""

import argparse
import importlib
import os
import sys

import django

COMMANDS = {
    "fixture": "bench.fixture_cli",
    "api": "bench.api",
    "pages": "bench.pages",
    "practice": "bench.practice",
    "dubbing": "bench.dubbing",
    "loadtest": "bench.loadtest",
}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    parsers = {name: commands.add_parser(name) for name in COMMANDS}
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yousync.settings")
    django.setup()
    modules = {name: importlib.import_module(path) for name, path in COMMANDS.items()}
    for name, module in modules.items():
        parsers[name].description = module.__doc__
        parsers[name].formatter_class = argparse.RawDescriptionHelpFormatter
        module.add_arguments(parsers[name])
    options = parser.parse_args(argv)
    return modules[options.command].main(options) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
