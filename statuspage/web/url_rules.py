"""URL rules that tell which converter parses each of their arguments.

Werkzeug keeps a rule's converters in a private attribute; code that picks a URL value by
its converter (a console link takes an id or a public id, the input sweeps choose hostile
values) reads them here instead, recorded through the public `Rule.get_converter` hook.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.routing import BaseConverter, Rule


class ArgumentRule(Rule):
    """A Werkzeug rule that records the converter it builds for each argument."""

    argument_converters: dict[str, BaseConverter]

    def compile(self) -> None:
        self.argument_converters = {}
        super().compile()

    def get_converter(self, variable_name: str, converter_name: str, args: tuple[Any, ...],
                      kwargs: Mapping[str, Any]) -> BaseConverter:
        converter = super().get_converter(variable_name, converter_name, args, kwargs)
        self.argument_converters[variable_name] = converter
        return converter


def converter_of(rule: Rule, argument: str) -> BaseConverter | None:
    """The converter of `argument` in `rule` (None if the rule has no such argument)."""
    if not isinstance(rule, ArgumentRule):
        # A rule added before init_app (Flask's own static route): parse a copy of it.
        copy = ArgumentRule(rule.rule)
        if rule.map is not None:
            copy.bind(rule.map)
        rule = copy
    return rule.argument_converters.get(argument)


def init_app(app: Flask) -> None:
    """Make the app's rules ArgumentRules; call before any route is added."""
    app.url_rule_class = ArgumentRule
