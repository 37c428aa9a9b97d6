"""The monitoring network (在线监控): stations, outlets, HJ 212 device data and readings."""
