"""Temporary disclosure reports (临时环境信息依法披露报告): what an obliged enterprise owes
after an administrative penalty, derived from the records; filing one from its account."""
