"""Reports on a search: the Pareto computation (:mod:`.pareto`) and its HTML drawing (:mod:`.html`)."""
