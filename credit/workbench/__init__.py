"""The regulator's workbench (待办): the to-do list of the logged-in user and the deadline
figures (on-time rates, ageing) of a region and month."""
