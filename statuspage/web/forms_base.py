"""The base of every WTForms form of the service (console and public pages).

Flask-WTF fills a form from a JSON body when there is no form data; a JSON array or number
then breaks inside WTForms (500). The pages' forms are HTML forms, posted as form data by the
browser (and by the console's scripts, through FormData), so a JSON body fills nothing and
the form is validated as an empty one.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_wtf import FlaskForm


class HtmlForm(FlaskForm):
    """A CSRF-protected form that reads only form data and uploaded files."""

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            # `formdata` is Flask-WTF's "from the request" marker unless a view passed data.
            from_request = formdata is not None and not hasattr(formdata, "getlist")
            if from_request and request.is_json:
                return None  # Flask-WTF's JSON fallback: not a source for an HTML form
            return super().wrap_formdata(form, formdata)
