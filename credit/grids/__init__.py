"""Grid supervision (网格化监管): the grid hierarchy under a region and who answers for it."""
