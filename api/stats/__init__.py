"""Statistics (统计): aggregate figures of a jurisdiction, never personal records.

`statistic` holds what a request asks and answers, `sql` the portable day, month and county
expressions, `births` and `casework` the figures themselves.
"""
