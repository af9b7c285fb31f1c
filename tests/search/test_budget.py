import pytest

from nas.errors import NasError
from nas.searching.budget import Budget, parse_count
from nas.units import format_count


@pytest.mark.parametrize("text, value", [("5M", 5_000_000), ("1.5G", 1_500_000_000), ("300000", 300_000),
                                         ("250k", 250_000), (" 2.5 M ", 2_500_000), (".5M", 500_000)])
def test_parse_count(text, value):
    assert parse_count(text) == value


@pytest.mark.parametrize("text", ["5X", "M", "-3M", "0", "five", "1e6"])
def test_parse_count_rejects(text):
    with pytest.raises(NasError, match="--max-flops"):
        parse_count(text, "--max-flops")


def test_budget_constraints():
    budget = Budget(5_000_000, max_params=100_000)
    assert budget.violations(4_000_000, 50_000) == (-1_000_000.0, -50_000.0)
    assert budget.feasible(5_000_000, 100_000)
    assert not budget.feasible(5_000_001, 10)
    assert "FLOPs" in budget.describe(6_000_000, 10) and "params" in budget.describe(1, 200_000)
    assert format_count(5_120_000) == "5.12M"
