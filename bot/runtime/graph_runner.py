"""Rasa's prediction graph run node by node, without building a dask graph every message.

``DaskGraphRunner.run`` builds the minimal schema for its targets, turns it into a dask graph,
orders it and runs it through dask's scheduler, for every message and every action prediction;
for the handful of nodes of a prediction graph that bookkeeping costs more than several of the
nodes themselves. :func:`run_in_order` computes the order once per set of targets and calls the
same nodes with the same inputs in an order dask could also have chosen (each node after the
nodes it needs), and returns what ``DaskGraphRunner.run`` returns.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from rasa.engine.exceptions import GraphRunError

#: For each node of a plan: its name and the names of the nodes (or inputs) it needs.
Plan = List[Tuple[str, Tuple[str, ...]]]


def plan_for(schema: Any, targets: Sequence[str]) -> Plan:
    """The nodes the targets depend on, each after everything it needs."""
    minimal = schema.minimal_graph_schema(list(targets))
    plan: Plan = []
    done: set = set()

    def visit(name: str, path: Tuple[str, ...]) -> None:
        if name in done or name not in minimal.nodes:
            return
        if name in path:
            raise GraphRunError(f"The graph has a cycle through '{name}'.")
        needs = tuple(minimal.nodes[name].needs.values())
        for need in needs:
            visit(need, path + (name,))
        done.add(name)
        plan.append((name, needs))

    for target in targets:
        visit(target, ())
    return plan


def run_in_order(self: Any, inputs: Optional[Dict[str, Any]] = None,
                 targets: Optional[List[str]] = None) -> Dict[str, Any]:
    """``DaskGraphRunner.run`` without dask (same arguments, same result, same errors)."""
    run_targets = list(targets) if targets else list(self._graph_schema.target_names)
    plans = self.__dict__.setdefault("_plans_in_order", {})
    plan = plans.get(tuple(run_targets))
    if plan is None:
        plan = plans[tuple(run_targets)] = plan_for(self._graph_schema, run_targets)
    results: Dict[str, Any] = {}
    for name, value in (inputs or {}).items():
        if isinstance(value, str) and value in self._graph_schema.nodes:
            raise GraphRunError(
                f"Input value '{value}' clashes with a node name. Make sure that none of the"
                f" input names passed to the `run` method are the same as node names in the"
                f" graph schema.")
        results[name] = (name, value)
    try:
        for name, needs in plan:
            node = self._instantiated_nodes[name]
            # As with dask, a need that nothing provides is passed as its name.
            results[name] = node(*[results.get(need, need) for need in needs])
    except RuntimeError as error:
        raise GraphRunError("Error running runner.") from error
    return dict(results.get(target, target) for target in run_targets)
