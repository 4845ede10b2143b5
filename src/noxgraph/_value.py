"""Value types declared like dataclasses, without the cost of :mod:`dataclasses`.

``dataclasses`` imports :mod:`inspect` (and with it ``ast``, ``dis`` and
``tokenize``), about 8 ms here, and spends about 0.6 ms on each class it
processes. noxgraph declares some forty value types and answers most commands
in well under 100 ms, so that was a fifth of a run. :func:`value_type` writes the
same ``__init__``, ``__eq__``, ``__hash__``, ``__repr__`` (and with
``order=True`` the comparisons) from one generated source per class, with the
semantics of ``@dataclass(frozen=True, slots=...)``: fields in declaration order,
positional or keyword; instances are immutable and hashable unless
``frozen=False``; equal only to instances of the same class. Type checkers see
a dataclass through ``dataclass_transform``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from operator import attrgetter

TYPE_CHECKING = False  # typing's constant without importing typing, 3 ms of start-up

__all__ = ["field", "replace", "value_type"]

if TYPE_CHECKING:
    from typing import Any, TypeVar

    from typing_extensions import dataclass_transform

    T = TypeVar("T")
else:

    def dataclass_transform(**_: object) -> Callable[[T], T]:
        return lambda decorated: decorated


class _Field:
    __slots__ = ("compare", "default", "default_factory", "init", "repr")

    def __init__(
        self,
        default: object,
        default_factory: Callable[[], object] | None,
        init: bool,
        repr: bool,
        compare: bool,
    ) -> None:
        self.default = default
        self.default_factory = default_factory
        self.init = init
        self.repr = repr
        self.compare = compare


_MISSING: Any = object()
#: The fields ``__init__`` takes, for :func:`replace`.
_FIELDS = "__value_init_fields__"


def field(
    *,
    default: Any = _MISSING,
    default_factory: Callable[[], Any] | None = None,
    init: bool = True,
    repr: bool = True,
    compare: bool = True,
) -> Any:
    """A field's options, as :func:`dataclasses.field` takes them."""
    return _Field(default, default_factory, init, repr, compare)


def _is_class_var(annotation: object) -> bool:
    return isinstance(annotation, str) and annotation.startswith(("ClassVar", "typing.ClassVar"))


def _frozen_setattr(self: object, name: str, _: object) -> None:
    raise AttributeError(f"cannot assign to field {name!r} of a {type(self).__name__}")


def _frozen_delattr(self: object, name: str) -> None:
    raise AttributeError(f"cannot delete field {name!r} of a {type(self).__name__}")


def _fields(cls: type) -> dict[str, _Field]:
    fields: dict[str, _Field] = {}
    # Not inspect.get_annotations: importing inspect is the cost this module avoids.
    for name, annotation in cls.__dict__.get("__annotations__", {}).items():  # noqa: RUF063
        if not _is_class_var(annotation):
            declared = cls.__dict__.get(name, _MISSING)
            if isinstance(declared, _Field):
                fields[name] = declared
            else:
                fields[name] = _Field(declared, None, True, True, True)
    return fields


def _init(cls: type, fields: Mapping[str, _Field], frozen: bool) -> Callable[..., None]:
    """The one method written as source: a generic one would bind arguments in
    Python on every instance, and noxgraph makes thousands of them."""
    namespace: dict[str, Any] = {"_set": object.__setattr__, "_MISSING": _MISSING}
    parameters: list[str] = []
    body: list[str] = []
    for name, spec in fields.items():
        if spec.default_factory is not None:
            namespace[f"_factory_{name}"] = spec.default_factory
            made = f"_factory_{name}()"
            if spec.init:
                parameters.append(f"{name}=_MISSING")
                made = f"{made} if {name} is _MISSING else {name}"
        else:
            if spec.default is not _MISSING:
                namespace[f"_default_{name}"] = spec.default
            if not spec.init:
                made = f"_default_{name}"
            else:
                made = name
                parameters.append(name if spec.default is _MISSING else f"{name}=_default_{name}")
        body.append(f" _set(self, {name!r}, {made})" if frozen else f" self.{name} = {made}")
    if "__post_init__" in cls.__dict__:
        body.append(" self.__post_init__()")
    source = "\n".join([f"def __init__(self, {', '.join(parameters)}):", *body, " pass"])
    exec(source, namespace)  # noqa: S102 - the source is made above from field names
    init: Callable[..., None] = namespace["__init__"]
    return init


def _methods(cls: type, fields: Mapping[str, _Field], frozen: bool, order: bool) -> dict[str, Any]:
    compared = [name for name, spec in fields.items() if spec.compare]
    shown = [name for name, spec in fields.items() if spec.repr]
    key: Callable[[object], object] = attrgetter(*compared) if compared else lambda _: ()

    def __repr__(self: object) -> str:
        parts = ", ".join(f"{name}={getattr(self, name)!r}" for name in shown)
        return f"{type(self).__qualname__}({parts})"

    def __eq__(self: object, other: object) -> bool:
        if other.__class__ is self.__class__:
            return key(self) == key(other)
        return NotImplemented

    methods: dict[str, Any] = {
        "__init__": _init(cls, fields, frozen),
        "__repr__": __repr__,
        "__eq__": __eq__,
    }
    if frozen:
        methods["__hash__"] = lambda self: hash(key(self))
        methods["__setattr__"] = _frozen_setattr
        methods["__delattr__"] = _frozen_delattr
    else:
        methods["__hash__"] = None
    if order:
        for method, compare in (
            ("__lt__", operator.lt),
            ("__le__", operator.le),
            ("__gt__", operator.gt),
            ("__ge__", operator.ge),
        ):
            methods[method] = _comparison(key, compare)
    for method, function in methods.items():
        if function is not None:
            function.__qualname__ = f"{cls.__qualname__}.{method}"
    return methods


def _comparison(
    key: Callable[[object], Any], compare: Callable[[Any, Any], bool]
) -> Callable[[object, object], object]:
    def method(self: object, other: object) -> object:
        if other.__class__ is self.__class__:
            return compare(key(self), key(other))
        return NotImplemented

    return method


def _make(cls: type[T], frozen: bool, order: bool, slots: bool) -> type[T]:
    fields = _fields(cls)
    # A method the class defines itself stays its own.
    methods = {
        key: method
        for key, method in _methods(cls, fields, frozen, order).items()
        if key not in cls.__dict__
    }
    methods[_FIELDS] = tuple(name for name, spec in fields.items() if spec.init)
    methods["__match_args__"] = methods[_FIELDS]
    if slots:
        attributes = {
            key: item
            for key, item in cls.__dict__.items()
            if key not in fields and key not in ("__dict__", "__weakref__")
        }
        attributes.update(methods, __slots__=tuple(fields))
        return type(cls.__name__, cls.__bases__, attributes)
    for name, spec in fields.items():
        if isinstance(cls.__dict__.get(name), _Field):
            if spec.default is _MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, spec.default)
    for key, item in methods.items():
        setattr(cls, key, item)
    return cls


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def value_type(
    cls: type[T] | None = None, /, *, frozen: bool = True, order: bool = False, slots: bool = False
) -> Any:
    """Make ``cls`` a value type: ``@value_type``, or ``@value_type(order=True, slots=True)``."""
    if cls is not None:
        return _make(cls, frozen, order, slots)
    return lambda undecorated: _make(undecorated, frozen, order, slots)


def replace(instance: T, /, **changes: Any) -> T:
    """A copy of the value ``instance`` with ``changes``, as :func:`dataclasses.replace`."""
    current = {name: getattr(instance, name) for name in getattr(instance, _FIELDS)}
    return type(instance)(**{**current, **changes})
