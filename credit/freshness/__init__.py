"""Data freshness (数据更新): each public dataset's last update and newest record, each import
source's last import, and the one date every page's footer shows (数据更新至 …).
"""
