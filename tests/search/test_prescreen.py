"""Zero-cost pre-screening: the bin and rank decision on constructed tables, a real pre-screened
search, the proxies every trained trial records, and the options' bad input."""

from __future__ import annotations

import math
import signal

import optuna
import pytest
from optuna.trial import TrialState

from nas.errors import NasError
from nas.searching import prescreen
from nas.searching.prescreen import (
    BINS,
    Candidate,
    bin_range,
    candidates,
    check_prescreen,
    decide,
    enabled,
    flops_bin,
    quota,
)
from nas.searching.run import run_search, settings_from
from nas.searching.study import joined_settings
from nas.study.pareto import pareto_front
from nas.study.record import TrialKind, TrialRecord, read_records
from nas.zero_cost import PROXIES

BUDGET = 1_000_000


# ---- bins and decisions on constructed tables ---------------------------------------------------


def test_bins_are_half_octaves_below_the_budget():
    assert flops_bin(BUDGET, BUDGET) == 0
    assert flops_bin(int(BUDGET / 2 ** 0.5) + 1, BUDGET) == 0
    assert flops_bin(int(BUDGET / 2 ** 0.5) - 1, BUDGET) == 1
    assert flops_bin(BUDGET // 2 - 1, BUDGET) == 2
    assert flops_bin(1, BUDGET) == flops_bin(0, BUDGET) == BINS - 1
    assert flops_bin(2 * BUDGET, BUDGET) == 0
    for index in range(BINS):
        low, high = bin_range(index, BUDGET)
        assert flops_bin(int(high), BUDGET) == index
        if low > 0:
            assert flops_bin(int(low) - 1, BUDGET) == index + 1
    assert bin_range(BINS - 1, BUDGET)[0] == 0


def test_quota_is_the_ceiling_of_one_in_k():
    assert [quota(n, 4) for n in (1, 2, 4, 5, 8, 9)] == [1, 1, 1, 2, 2, 3]
    assert enabled(2) and not enabled(1) and not enabled(0)


def test_first_candidate_of_a_bin_is_trained():
    others = [Candidate(n, 0, 100.0 + n) for n in range(6)]  # all in bin 0, all better
    first = decide(Candidate(9, 3, -50.0), others, k=4)
    assert first.trained and (first.rank, first.candidates, first.quota) == (1, 1, 1)


def test_top_one_in_k_within_the_bin_is_trained():
    # Seven candidates scored 10..70 in bin 2; the eighth makes n = 8 and quota ceil(8 / 4) = 2.
    table = [Candidate(n, 2, 10.0 * (n + 1)) for n in range(7)]
    best = decide(Candidate(20, 2, 75.0), table, k=4)
    second = decide(Candidate(20, 2, 65.0), table, k=4)
    third = decide(Candidate(20, 2, 55.0), table, k=4)
    assert (best.rank, best.candidates, best.quota, best.trained) == (1, 8, 2, True)
    assert (second.rank, second.trained) == (2, True)
    assert (third.rank, third.trained) == (3, False)
    # With K = 2 the quota is 4: rank 3 is trained, rank 5 is not.
    assert decide(Candidate(20, 2, 55.0), table, k=2).trained
    assert not decide(Candidate(20, 2, 35.0), table, k=2).trained


def test_bins_do_not_compete():
    # Bin 0 holds expensive, high-scoring candidates; a cheap candidate competes only with bin 5.
    table = [Candidate(n, 0, 1000.0 + n) for n in range(20)] + [Candidate(100 + n, 5, float(n)) for n in range(3)]
    d = decide(Candidate(200, 5, 2.5), table, k=4)
    assert (d.rank, d.candidates, d.quota, d.trained) == (1, 4, 1, True)
    assert not decide(Candidate(200, 5, 1.5), table, k=4).trained
    # Adding candidates in other bins changes nothing.
    more = table + [Candidate(300 + n, 1, 1e9) for n in range(50)]
    assert decide(Candidate(200, 5, 2.5), more, k=4) == d


def test_ties_rank_by_trial_number_and_non_finite_scores_rank_last():
    table = [Candidate(3, 1, 5.0), Candidate(4, 1, 1.0), Candidate(5, 1, 1.0)]
    assert decide(Candidate(7, 1, 5.0), table, k=2).rank == 2  # trial 3 scored the same earlier
    assert decide(Candidate(1, 1, 5.0), table, k=2).rank == 1
    nan = decide(Candidate(8, 1, math.nan), table, k=2)
    assert nan.rank == 4 and not nan.trained
    # Its own earlier entry (a re-decision) is not a competitor.
    assert decide(Candidate(3, 1, 5.0), table, k=2).candidates == 3


def test_candidates_are_scored_searched_trials_within_the_budget():
    def rec(number, kind, flops, zc, **kw):
        return TrialRecord(number=number, kind=kind, state="COMPLETE", flops=flops, zero_cost=zc, **kw)

    records = [
        rec(0, TrialKind.SEARCHED, 900_000, {"naswot": 3.0, "synflow": 1.0}),
        rec(1, TrialKind.SCREENED_OUT, 100_000, {"naswot": 2.0}),
        rec(2, TrialKind.OVER_BUDGET, 2_000_000, None, over_budget=True),
        rec(3, TrialKind.BASELINE, 500_000, {"naswot": 9.0}, baseline="hsnet"),
        rec(4, TrialKind.SEARCHED, 800_000, {"synflow": 5.0}),  # scored with another proxy only
        rec(5, TrialKind.RUNNING, 600_000, {"naswot": 1.0}),
    ]
    found = candidates(records, "naswot", BUDGET, exclude=5)
    assert found == [Candidate(0, 0, 3.0), Candidate(1, flops_bin(100_000, BUDGET), 2.0)]


@pytest.mark.parametrize("k, proxy, message", [
    (-1, "naswot", "--prescreen must be from 0"), (65, "naswot", "--prescreen must be from 0"),
    (4, "zen", "--prescreen-proxy: unknown zero-cost proxy 'zen'"),
])
def test_check_refuses_bad_values(k, proxy, message):
    with pytest.raises(NasError, match=message):
        check_prescreen(k, proxy)


# ---- a real search -----------------------------------------------------------------------------


@pytest.mark.slow
def test_prescreened_search_trains_only_the_chosen(search_kwargs, monkeypatch, cli):
    # Two bins (near the budget, and the rest), so that a short search already screens some out.
    monkeypatch.setattr(prescreen, "BINS", 2)
    settings = settings_from(**{**search_kwargs, "trials": 3, "prescreen": 3, "prescreen_proxy": "grad_norm"})
    summary = run_search(settings)
    study = optuna.load_study(study_name="t", storage=settings.storage_url)
    assert study.user_attrs["settings"]["prescreen"] == 3
    assert study.user_attrs["settings"]["prescreen_proxy"] == "grad_norm"
    records = read_records(study)
    screened = [r for r in records if r.kind == TrialKind.SCREENED_OUT]
    trained = [r for r in records if r.kind == TrialKind.SEARCHED]
    assert len(trained) == 3 == summary.complete and screened and summary.screened_out == len(screened)
    raw = {t.number: t for t in study.trials}
    for r in screened:
        t = raw[r.number]
        assert t.state == TrialState.PRUNED and t.values is None
        assert set(r.zero_cost or {}) == {"grad_norm"} and math.isfinite(r.zero_cost["grad_norm"])
        assert r.prescreen and not r.prescreen["trained"] and r.prescreen["rank"] > r.prescreen["quota"]
        assert not r.training and r.zero_cost_s is not None
        for key in ("accuracy", "train_time_s", "fidelity", "latency_ms"):
            assert key not in t.user_attrs, (r.number, key)
    for r in trained:
        assert set(r.zero_cost or {}) == set(PROXIES) and all(math.isfinite(v) for v in r.zero_cost.values())
        assert r.prescreen and r.prescreen["trained"] and r.prescreen["rank"] <= r.prescreen["quota"]
        assert r.accuracy is not None
    # The first candidate scored in each bin was trained.
    seen_bins: set[int] = set()
    for r in sorted((r for r in records if r.prescreen), key=lambda r: r.number):
        if r.prescreen["bin"] not in seen_bins:
            assert r.prescreen["trained"], r.number
            seen_bins.add(r.prescreen["bin"])
    assert {r.number for r in pareto_front(records)} <= {r.number for r in trained}
    code, out, _ = cli("status", "t", "--storage", settings.storage_url)
    assert code == 0 and f"{len(screened)} screened out by the zero-cost pre-screen (grad_norm" in out
    # Joining without the options takes the stored pre-screen; turning it off is refused.
    given = joined_settings({"space": None, "study": "t", "storage": search_kwargs["storage"], "trials": 4,
                             "jobs": 1, "progress": False})
    joined = settings_from(**given)
    assert (joined.prescreen, joined.prescreen_proxy) == (3, "grad_norm")
    assert run_search(joined).complete == 4
    with pytest.raises(NasError, match="prescreen, prescreen_proxy differ"):
        run_search(settings_from(**{**search_kwargs, "trials": 5, "prescreen": 0}))
    with pytest.raises(NasError, match="prescreen_proxy differ"):
        run_search(settings_from(**{**search_kwargs, "trials": 5, "prescreen": 3, "prescreen_proxy": "naswot"}))


@pytest.mark.slow
def test_every_trained_trial_records_all_proxies_without_prescreen(search_kwargs):
    settings = settings_from(**{**search_kwargs, "trials": 2, "prescreen": 0})
    run_search(settings)
    study = optuna.load_study(study_name="t", storage=settings.storage_url)
    assert "prescreen" not in study.user_attrs["settings"]  # off: the identity of a study made before
    records = read_records(study)
    trained = [r for r in records if r.kind == TrialKind.SEARCHED]
    assert len(trained) == 2
    for r in trained:
        assert set(r.zero_cost or {}) == set(PROXIES) and r.prescreen is None and r.zero_cost_s > 0
    assert not any(r.kind == TrialKind.SCREENED_OUT for r in records)
    # Resuming it without --prescreen keeps it off (the default of 4 is for new studies only).
    given = joined_settings({**{k: None for k in search_kwargs}, "space": search_kwargs["space"],
                             "max_flops": search_kwargs["max_flops"], "study": "t",
                             "storage": search_kwargs["storage"], "trials": 3, "jobs": 1, "progress": False})
    resumed = settings_from(**given)
    assert resumed.prescreen == 0 and run_search(resumed).complete == 3


def test_new_study_prescreens_by_default(search_kwargs):
    settings = settings_from(**search_kwargs)
    assert (settings.prescreen, settings.prescreen_proxy) == (4, "naswot")
    assert settings.identity("tiny")["prescreen"] == 4


# ---- the command line --------------------------------------------------------------------------


@pytest.fixture
def cli(capsys):
    """``nas`` in this process (its signal handlers restored after): (exit code, stdout, stderr lines)."""
    from nas.cli.main import main

    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}

    def run(*argv: str) -> tuple[int, str, list[str]]:
        capsys.readouterr()
        try:
            code = main(list(argv))
        except SystemExit as exc:
            code = int(exc.code or 0)
        finally:
            for s, handler in saved.items():
                signal.signal(s, handler)
        out, err = capsys.readouterr()
        return code, out, err.strip().splitlines()

    return run


@pytest.mark.parametrize("extra, message", [
    (["--prescreen=-3"], "--prescreen: expected an integer from 0 to 64, got -3"),
    (["--prescreen", "1000000000000"], "--prescreen: expected an integer from 0 to 64"),
    (["--prescreen", "four"], "--prescreen: expected an integer, got 'four'"),
    (["--prescreen", "4", "--prescreen-proxy", "zen"], "--prescreen-proxy: unknown zero-cost proxy 'zen'"),
    (["--prescreen", "0", "--prescreen-proxy", "synflow"], "--prescreen-proxy synflow needs --prescreen K"),
    (["--prescreen", "1", "--prescreen-proxy", "snip"], "--prescreen-proxy snip needs --prescreen K"),
])
def test_bad_prescreen_options_are_one_line_exit_2(cli, tiny_space, tmp_path, extra, message):
    code, _, err = cli("search", str(tiny_space), "--max-flops", "1M", "--dataset", "synthetic",
                    "--storage", f"sqlite:///{tmp_path}/bad.db", "--study", "bad", *extra)
    assert code == 2 and len(err) == 1 and message in err[0], err
    assert not (tmp_path / "bad.db").exists() or not optuna.study.get_all_study_names(f"sqlite:///{tmp_path}/bad.db")
