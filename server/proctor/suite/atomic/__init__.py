"""The 100 hand-written atomic functions, one module per topic; ATOMICS keeps their definition order."""

from proctor.suite.atomic import (  # noqa: F401 (importing a topic module registers its functions)
    arithmetic,
    bits,
    counting,
    dates,
    geometry,
    lists,
    parsing,
    recursion,
    sets,
    strings,
)
from proctor.suite.spec import REGISTRY, Atomic

TOPICS = ("arithmetic", "strings", "lists", "dictionaries", "sets", "recursion", "dates", "geometry", "bits", "parsing")
ATOMICS: tuple[Atomic, ...] = tuple(sorted(REGISTRY, key=lambda a: TOPICS.index(a.topic)))
BY_NAME: dict[str, Atomic] = {a.name: a for a in ATOMICS}
