"""Data error reports (报告数据错误): anyone reports an error in a public record; the report
is a case for the regulator of the record's region, answered within working days, and the
record shows 核查中 (under verification) publicly until it is answered.
"""
