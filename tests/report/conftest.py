import optuna
import pytest
from fakes import small_study


@pytest.fixture
def study() -> optuna.Study:
    return small_study()
