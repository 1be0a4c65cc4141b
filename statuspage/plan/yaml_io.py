"""The communication plan as YAML: exported with a header that explains it, imported whole.

Exporting, importing and exporting again gives the same text. An import is read with
`yaml.safe_load`, refused with the line of the first syntax error, and then saved like any
other document (statuspage.plan.save), so every problem is reported and nothing half applied.
"""

from __future__ import annotations

import yaml

from statuspage.models import User
from statuspage.plan.document import Plan, PlanError, to_document
from statuspage.plan.rules import _group_names, load_plan
from statuspage.plan.save import save_document

# A plan is a few kilobytes; anything much larger is the wrong file.
MAX_YAML_CHARS = 200_000
YAML_HEADER = ("# Communication plan: for each severity, which audiences hear which events "
               "through which channels.\n"
               "# definition: the business impact the severity stands for; first_update_minutes"
               " and cadence_minutes:\n# the response targets (first public update after "
               "declaring, then one every so many minutes).\n")


def export_document() -> dict[str, object]:
    """The plan in force as a document (group names, fixed order)."""
    names = _group_names()
    return to_document(load_plan(), names)


def export_yaml() -> str:
    """The plan in force as YAML; exporting, importing and exporting again gives the same text."""
    return YAML_HEADER + yaml.safe_dump(export_document(), sort_keys=False,
                                        default_flow_style=None, allow_unicode=True)


def import_yaml(text: str, actor: User | None) -> Plan:
    """Replace the plan with the one in `text`, or raise DomainError naming each problem."""
    if len(text) > MAX_YAML_CHARS:
        raise PlanError([f"(document): larger than {MAX_YAML_CHARS} characters"])
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or "unreadable"
        raise PlanError([f"(document): not valid YAML{where}: {problem}"]) from None
    return save_document(document, actor, "plan.import")
