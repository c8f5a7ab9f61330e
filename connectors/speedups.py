"""One change to how the Rasa server checks the action server's answers, for throughput.

Rasa 3.6 validates every custom action response with `jsonschema.validate(result, spec)`, which
first re-checks the (constant) schema itself on every call: measured with py-spy under 20
concurrent conversations, that schema check was ~40 % of the Rasa server's CPU. Here the schema
is checked once and one validator is reused; every response is still validated exactly as
before, with the same error message on failure. Installed when the REST channel is loaded.
"""

from __future__ import annotations

from typing import Any

from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

_validator: Any = None


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    global _validator
    if _validator is None:
        spec = self.action_response_format_spec()
        cls = validator_for(spec)
        cls.check_schema(spec)
        _validator = cls(spec)
    try:
        _validator.validate(result)
        return True
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from the "
            f"Action endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise


def install() -> None:
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
