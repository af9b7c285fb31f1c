"""A study's trials as one pandas table (``nas.Study.to_dataframe``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from nas.study.record import TrialRecord

#: The columns of :func:`records_frame`, in order, and what each holds.
COLUMNS = {
    "trial": "the Optuna trial number",
    "kind": "what happened to the trial: searched, over_budget, duplicate, surplus, stopped, screened_out, "
            "failed, running, baseline or final (a finalisation job)",
    "state": "the Optuna trial state (COMPLETE, PRUNED, FAIL, RUNNING, ...)",
    "pareto": "whether the trial is on the study's Pareto front",
    "proxy_accuracy": "validation accuracy of the search's short proxy training (a fraction)",
    "final_accuracy": "test accuracy after the full recipe ('nas finalize'), where it was trained so",
    "flops": "multiply-accumulates of one forward at batch 1 (fvcore)",
    "params": "parameters",
    "latency_ms": "median batch-1 CPU latency in milliseconds, where measured",
    "train_time_s": "seconds the trial trained (the proxy; the full recipe for a finalisation job)",
    "baseline": "the paper preset's name, for baselines",
    "finalizes": "for a finalisation job: the trial whose architecture it trained",
    "notation": "the architecture in nas's one-line notation",
}


def records_frame(records: Sequence[TrialRecord], front: Sequence[TrialRecord] = ()) -> pd.DataFrame:
    """One row per record, columns :data:`COLUMNS` (an empty frame with them for no records)."""
    import pandas as pd

    on_front = {r.number for r in front}
    rows = [{
        "trial": r.number, "kind": r.kind.value, "state": r.state, "pareto": r.number in on_front,
        "proxy_accuracy": r.accuracy, "final_accuracy": None if r.final is None else r.final.test_accuracy,
        "flops": r.flops, "params": r.params, "latency_ms": r.latency_ms, "train_time_s": r.train_time_s,
        "baseline": r.baseline, "finalizes": r.finalizes, "notation": r.notation,
    } for r in records]
    return pd.DataFrame(rows, columns=list(COLUMNS))


__all__ = ["COLUMNS", "records_frame"]
