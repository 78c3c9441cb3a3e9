"""What goes into the engine and what comes out of it, as plain data.

No cursor and no environment here: the models build ``EngineInputs``, the
engine returns an ``EngineResult``, and the models write it.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class EngineInputs:
    """What the models hand the engine, as plain data.

    ``definitions``: ``{model name: {key result id: KeyResultDefinition}}``
    of the live automatic key results; ``sources``: ``{model name:
    SourceSpec}``; ``rollup_graph``: ``{key result id: ids of the live
    roll-ups taking it directly}``, walked by ``rollup.rollup_ancestors``.
    """

    definitions: dict = field(default_factory=dict)
    sources: dict = field(default_factory=dict)
    rollup_graph: dict = field(default_factory=dict)

    def all_definitions(self):
        """``{key result id: definition}`` of every source model."""
        found = {}
        for model_name in self.sources:
            found.update(self.definitions.get(model_name, {}))
        return found


@dataclass
class EngineResult:
    """What a run of the engine changed, for the model to write.

    ``values``: ``{kr id: new current value}`` of the key results whose
    value moved; ``errors``: ``{kr id: exception}`` of those that could not
    be computed; ``drift``: ``{kr id: (old value, new value)}`` that a full
    recompute corrected; ``cleared``: ids of the key results a full
    recompute computed without error (their shown error goes);
    ``records``: ``{model: {record id: (before, after)}}`` of the changed
    records the incremental path counted, each ``{kr id: (value, in
    numerator)}`` of their contributions (what a won deal moved, told to its
    winner without reading them again).
    """

    values: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)
    drift: dict = field(default_factory=dict)
    cleared: set = field(default_factory=set)
    records: dict = field(default_factory=dict)

    def movers(self):
        """``{kr id: (model, record id)}``: for each key result whose value
        moved, the record whose contribution to it changed (the latest
        one, by id, when several did: an import, a merge)."""
        movers = {}
        for model_name, records in sorted(self.records.items()):
            for res_id, (before, after) in sorted(records.items()):
                for kr_id in before.keys() | after.keys():
                    if kr_id in self.values and before.get(kr_id) != after.get(kr_id):
                        movers[kr_id] = (model_name, res_id)
        return movers

    def update(self, other):
        self.values.update(other.values)
        for model_name, records in other.records.items():
            self.records.setdefault(model_name, {}).update(records)
        self.errors.update(other.errors)
        self.drift.update(other.drift)
        self.cleared |= other.cleared
        self.cleared -= set(self.errors)
        return self
