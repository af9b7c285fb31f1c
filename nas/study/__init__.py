"""A study's schema: its name and files."""

from nas.study.files import (
    REPORTS_DIR,
    RUNS_DIR,
    STUDIES_DIR,
    StudyFiles,
    check_study_name,
    study_files,
)

__all__ = ["REPORTS_DIR", "RUNS_DIR", "STUDIES_DIR", "StudyFiles", "check_study_name", "study_files"]
